import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  ErrorCode,
  LookalikeError,
  packVector,
  Subjects,
  type MessageCodec,
  type SubjectDef,
} from '@lookalike/contracts';
import { perceptualHash } from '@lookalike/imaging';
import { errorToHeaders, type BusSubscription, type MessageBus } from '@lookalike/messaging';
import { acquireObjectStore, generateObjectKey } from '@lookalike/object-store';
import { acquireVectorStore, LanceDbVectorStore, type VectorStore } from '@lookalike/vector-store';
import { MODEL, seed, vec, type SeedImage } from '../../search/test/support/search-fixtures';
import { devLogin, startTestStack, StackMode, TestStack } from './support/test-stack';

const modes: StackMode[] = ['embedded', 'distributed'];

interface Hit {
  image_id: string;
  score: number;
  preview_url: string;
  thumbnail_url: string;
  payload?: Record<string, unknown>;
  duplicates?: string[];
}
interface SimilarBody {
  query_id: string;
  model_name: string;
  hits: Hit[];
}

/** Answers one subject on the stack's transport with the generated codecs, like a service would. */
function serve<Req, Res>(
  bus: MessageBus,
  subject: SubjectDef<Req, Res>,
  queue: string,
  handler: (req: Req) => Promise<Partial<Res>> | Partial<Res>,
): Promise<BusSubscription> {
  return bus.serve(subject.name, queue, async (message) => {
    try {
      const res = await handler(subject.request.decode(message.data));
      const codec = subject.response as MessageCodec<Res>;
      return { data: codec.encode(codec.fromPartial(res as never)).finish(), headers: {} };
    } catch (error) {
      return { data: new Uint8Array(), headers: errorToHeaders(error) };
    }
  });
}

/** A real image (so the pHash gate can hash it) and its bytes as PNG. */
async function picture(seedValue: number, side = 64, noise = false): Promise<Buffer> {
  const raw = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y += 1) {
    for (let x = 0; x < side; x += 1) {
      const i = (y * side + x) * 3;
      raw[i] = (x * 4 + seedValue * 37) % 256;
      raw[i + 1] = (y * 4 + seedValue * 11) % 256;
      raw[i + 2] = noise ? Math.floor(Math.random() * 256) : ((x + y) * 2) % 256;
    }
  }
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

function flipBits(hex: string, bits: number): string {
  let value = BigInt(`0x${hex}`);
  for (let b = 0; b < bits; b += 1) value ^= 1n << BigInt(b * 5);
  return value.toString(16).padStart(16, '0');
}

describe.each(modes)('search through the gateway (%s)', (mode) => {
  let stack: TestStack;
  let alice: string;
  let bob: string;
  let ids: Map<string, string>;
  let bobIds: Map<string, string>;
  let queryPng: Buffer;
  let queryHash: string;
  let store: VectorStore;
  let releaseStore: () => Promise<void>;
  const subscriptions: BusSubscription[] = [];
  const calls = { text: 0, images: 0, stagedKeys: [] as string[] };
  let textModelAvailable = true;

  beforeAll(async () => {
    stack = await startTestStack(mode, { omit: ['embedding', 'ingest', 'dedup', 'anomaly', 'feedback'] });
    queryPng = await picture(1);
    queryHash = await perceptualHash(queryPng);
    const config = { VECTOR_STORE: 'lancedb' as const, LOOKALIKE_DATA_DIR: stack.dataDir };
    if (mode === 'embedded') {
      // The stack's own process-wide store: one LanceDB connection per process.
      const lease = acquireVectorStore(config);
      store = lease.store;
      releaseStore = () => lease.release();
    } else {
      const own = new LanceDbVectorStore({ dir: join(stack.dataDir, 'lancedb'), autoIndex: false });
      store = own;
      releaseStore = () => own.close();
    }
    await store.ensureCollection({ models: [MODEL] });
    const images: SeedImage[] = [
      { name: 'q', vector: vec(0), phash: queryHash, tags: ['cat'] },
      {
        name: 'n1',
        vector: vec(0, 0.05),
        phash: flipBits(queryHash, 1),
        tags: ['cat', 'pet'],
        createdAt: '2026-02-01T00:00:00Z',
      },
      {
        name: 'n2',
        vector: vec(0, 0.1),
        phash: flipBits(queryHash, 5),
        tags: ['dog'],
        qualityScore: 0.1,
        qualityFlags: ['blurry'],
      },
      { name: 'n3', vector: vec(0, 0.15), phash: flipBits(queryHash, 12), nsfwScore: 0.9, source: 'api' },
      {
        name: 'n4',
        vector: vec(0, 0.2),
        phash: flipBits(queryHash, 12),
        anomalyScore: 0.95,
        createdAt: '2025-06-01T00:00:00Z',
        source: 'batch',
      },
      { name: 'n5', vector: vec(0, 0.25), phash: flipBits(queryHash, 12), qualityFlags: ['dark'] },
      { name: 'cropped', vector: vec(5), crops: [vec(0, 0.01)], phash: flipBits(queryHash, 12) },
      ...Array.from({ length: 12 }, (_, i) => ({
        name: `far${i}`,
        vector: vec(3, i * 0.02),
        phash: flipBits(queryHash, 12),
      })),
    ];
    ids = await seed(store, 'alice', images);
    // Bob holds images nearer to every alice query than her own, with her tags and hashes.
    bobIds = await seed(
      store,
      'bob',
      images
        .slice(0, 7)
        .map((image) => ({ ...image, name: `bob-${image.name}`, vector: vec(0, 0.001), crops: [vec(0)] })),
    );
    const objects = await acquireObjectStore({
      OBJECT_STORE: 'local',
      LOOKALIKE_DATA_DIR: stack.dataDir,
      PUBLIC_BASE_URL: stack.url,
    });
    subscriptions.push(
      await serve(stack.bus, Subjects.EmbeddingModelInfo, 'embedding', () => ({
        name: MODEL.name,
        version: MODEL.version,
        dim: MODEL.dimension,
        vectorName: `${MODEL.name}_global`,
        textAvailable: textModelAvailable,
      })),
      await serve(stack.bus, Subjects.EmbeddingEmbedText, 'embedding', (req) => {
        calls.text += 1;
        if (!textModelAvailable) {
          throw new LookalikeError(
            ErrorCode.ModelUnavailable,
            'text search needs a CLIP model; mobilenet is image-only',
          );
        }
        // "far" texts point at the far images, anything else at alice's query image.
        const vector = req.texts[0]!.includes('far') ? vec(3) : vec(0, 0.02);
        return {
          vectors: [packVector(vector)],
          modelName: MODEL.name,
          modelVersion: MODEL.version,
          dim: MODEL.dimension,
        };
      }),
      await serve(stack.bus, Subjects.EmbeddingEmbedImages, 'embedding', (req) => {
        calls.images += 1;
        if (req.images[0]?.key) calls.stagedKeys.push(req.images[0].key);
        return {
          embeddings: [{ vector: packVector(vec(0, 0.02)), crops: [packVector(vec(0))], nsfwScore: 0 }],
          modelName: MODEL.name,
          modelVersion: MODEL.version,
          dim: MODEL.dimension,
          vectorName: `${MODEL.name}_global`,
        };
      }),
      // Large query files are staged through ingest's presign; the test stands in for it.
      await serve(stack.bus, Subjects.IngestPresign, 'ingest', async (req) => {
        const key = generateObjectKey(req.caller!.ownerUserId, 'png');
        const upload = await objects.presignUpload({
          key,
          maxBytes: 32 * 1024 * 1024,
          expiresInSeconds: 300,
        });
        return {
          bucket: upload.bucket,
          key: upload.key,
          url: upload.url,
          method: upload.method,
          headers: upload.headers,
          fields: upload.fields,
          expiresAt: upload.expiresAt.toISOString(),
          maxBytes: upload.maxBytes,
        };
      }),
    );
    alice = await devLogin(stack.url, 'alice');
    bob = await devLogin(stack.url, 'bob');
  }, 120_000);

  afterAll(async () => {
    for (const s of subscriptions) await s.unsubscribe();
    await releaseStore?.();
    await stack?.close();
  }, 60_000);

  const post = (path: string, body: unknown, token = alice) =>
    fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const similar = async (body: Record<string, unknown>, token = alice): Promise<SimilarBody> => {
    const response = await post('/api/search/similar', body, token);
    const json = (await response.json()) as SimilarBody;
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const upload = async (file: Buffer, fields: Record<string, string> = {}, token = alice) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([file], { type: 'image/png' }), 'query.png');
    return fetch(`${stack.url}/api/search/similar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
  };
  const names = (hits: Hit[]) =>
    hits.map((h) => [...ids.entries()].find(([, id]) => id === h.image_id)?.[0] ?? `not-alice:${h.image_id}`);

  it('finds similar images by id from the stored vector, with signed URLs and a query id', async () => {
    const before = calls.text + calls.images;
    const body = await similar({ image_id: ids.get('q'), limit: 3 });
    expect(names(body.hits)).toEqual(['n1', 'n2', 'n3']);
    expect(body.query_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(body.model_name).toBe('clip');
    const hit = body.hits[0]!;
    expect(hit.thumbnail_url).toContain(`${stack.url}/api/objects/`);
    expect(hit.thumbnail_url).toContain(`${ids.get('n1')}.thumb256.webp`);
    // Seeded without a file size, the hit's preview is the 1024 px thumbnail.
    expect(hit.preview_url).toContain(`${ids.get('n1')}.thumb1024.webp`);
    expect(hit.payload).toBeUndefined();
    const self = await similar({
      image_id: ids.get('q'),
      limit: 1,
      exclude_self: false,
      include_payload: true,
    });
    expect(names(self.hits)).toEqual(['q']);
    expect(self.hits[0]!.payload).toMatchObject({ image_id: ids.get('q'), tags: ['cat'] });
    expect(calls.text + calls.images).toBe(before);
  });

  it('finds images by text, answering a repeated text from the cache', async () => {
    const first = await similar({ text_query: 'something far away', limit: 2 });
    expect(names(first.hits)).toEqual(['far0', 'far1']);
    const count = calls.text;
    const again = await similar({ text_query: 'something far away', limit: 2 });
    expect(again.hits.map((h) => h.image_id)).toEqual(first.hits.map((h) => h.image_id));
    expect(calls.text).toBe(count);
  });

  it('finds images by a raw vector and checks its dimension', async () => {
    // Between q and n1, nearer n1 (0.05 from q and n2 alike would be a tie).
    const body = await similar({ vector: Array.from(vec(0, 0.04)), limit: 2 });
    expect(names(body.hits)).toEqual(['n1', 'q']);
    const wrong = await post('/api/search/similar', { vector: [1, 0, 0] });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ code: 'invalid_argument' });
  });

  it('finds images by an uploaded file, inline or staged, and deletes the staged copy', async () => {
    const inline = await upload(queryPng, { limit: '2' });
    expect(inline.status).toBe(200);
    expect(names(((await inline.json()) as SimilarBody).hits)).toEqual(['q', 'n1']);
    const large = await picture(2, 600, true);
    expect(large.length).toBeGreaterThan(768 * 1024);
    const staged = await upload(large, { limit: '2' });
    expect(staged.status).toBe(200);
    expect(names(((await staged.json()) as SimilarBody).hits)).toEqual(['q', 'n1']);
    const key = calls.stagedKeys.at(-1)!;
    expect(key.startsWith('alice/')).toBe(true);
    expect(existsSync(join(stack.dataDir, 'objects', key))).toBe(false);
  });

  it.each([
    ['tags_any', { tags_any: ['pet', 'dog'] }, ['n1', 'n2']],
    ['tags_all', { tags_all: ['cat', 'pet'] }, ['n1']],
    ['created range', { created_from: '2026-01-15T00:00:00Z', created_to: '2026-03-01T00:00:00Z' }, ['n1']],
    ['min_quality', { min_quality: 0.5 }, ['n1', 'n3', 'n4', 'n5']],
    ['max_nsfw', { max_nsfw: 0.5 }, ['n1', 'n2', 'n4', 'n5']],
    ['min_anomaly', { min_anomaly: 0.9 }, ['n4']],
    ['flags_all', { flags_all: ['dark'] }, ['n5']],
    ['flags_none', { flags_none: ['blurry', 'dark'] }, ['n1', 'n3', 'n4']],
    ['sources', { sources: ['api', 'batch'] }, ['n3', 'n4']],
  ])('filters by %s', async (_label, filter, expected) => {
    const body = await similar({ image_id: ids.get('q'), limit: 10, score_threshold: 0.9, filter });
    expect(names(body.hits)).toEqual(expected);
  });

  it('merges crop matches with use_crops', async () => {
    expect(names((await similar({ image_id: ids.get('q'), limit: 2, use_crops: true })).hits)).toEqual([
      'cropped',
      'n1',
    ]);
    // The uploaded image's crop (stand-in: axis 0) is nearest the stored crop of "cropped".
    const file = await upload(queryPng, { limit: '1', use_crops: 'true' });
    expect(names(((await file.json()) as SimilarBody).hits)).toEqual(['cropped']);
  });

  it('gates by pHash for stored and uploaded query images', async () => {
    expect(names((await similar({ image_id: ids.get('q'), phash_gate: 3 })).hits)).toEqual(['n1']);
    expect(names((await similar({ image_id: ids.get('q'), phash_gate: 6 })).hits)).toEqual(['n1', 'n2']);
    const file = await upload(queryPng, { phash_gate: '3' });
    expect(names(((await file.json()) as SimilarBody).hits)).toEqual(['q', 'n1']);
    const text = await post('/api/search/similar', { text_query: 'cat', phash_gate: 3 });
    expect(text.status).toBe(400);
  });

  it('collapses near copies with group_duplicates', async () => {
    const body = await similar({
      image_id: ids.get('q'),
      limit: 3,
      group_duplicates: true,
      score_threshold: 0.9,
    });
    // n1 is 4 bits from n2 (<= 6: a near copy); n3, n4 and n5 share one hash.
    expect(names(body.hits)).toEqual(['n1', 'n3']);
    expect(body.hits[0]!.duplicates?.map((id) => names([{ image_id: id } as Hit])[0])).toEqual(['n2']);
    expect(body.hits[1]!.duplicates).toHaveLength(2);
  });

  it('pages with offset in a stable order', async () => {
    const all = (await similar({ image_id: ids.get('q'), limit: 18 })).hits.map((h) => h.image_id);
    const paged: string[] = [];
    for (let offset = 0; offset < 18; offset += 5) {
      paged.push(
        ...(await similar({ image_id: ids.get('q'), limit: 5, offset })).hits.map((h) => h.image_id),
      );
    }
    expect(paged).toEqual(all);
    expect(new Set(paged).size).toBe(18);
  });

  it('answers every error with its typed status', async () => {
    const cases: [unknown, number, string][] = [
      [{ limit: 5 }, 400, 'invalid_argument'],
      [{ image_id: ids.get('q'), text_query: 'cat' }, 400, 'invalid_argument'],
      [{ image_id: ids.get('q'), limit: 0 }, 400, 'invalid_argument'],
      [{ image_id: ids.get('q'), limit: 201 }, 400, 'invalid_argument'],
      [{ image_id: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }, 404, 'not_found'],
      [{ image_id: bobIds.get('bob-q') }, 404, 'not_found'],
    ];
    for (const [body, status, code] of cases) {
      const response = await post('/api/search/similar', body);
      expect({ body, status: response.status }).toEqual({ body, status });
      expect(await response.json()).toMatchObject({ code });
    }
    textModelAvailable = false;
    try {
      const response = await post('/api/search/similar', { text_query: 'a brand new text' });
      expect(response.status).toBe(422);
      expect(await response.json()).toMatchObject({ code: 'model_unavailable' });
    } finally {
      textModelAvailable = true;
    }
  });

  it("never shows alice bob's nearer images, for every query kind, with filters, crops and gates", async () => {
    const own = new Set(ids.values());
    const kinds: Record<string, unknown>[] = [
      { image_id: ids.get('q') },
      { text_query: 'a cat' },
      { vector: Array.from(vec(0)) },
    ];
    const variants: Record<string, unknown>[] = [
      {},
      { filter: { tags_any: ['cat'] } },
      { use_crops: true },
      { group_duplicates: true },
      { score_threshold: 0.5 },
    ];
    for (const kind of kinds) {
      for (const variant of variants) {
        const body = await similar({ ...kind, ...variant, limit: 50 });
        expect(body.hits.length).toBeGreaterThan(0);
        for (const hit of body.hits) expect(own.has(hit.image_id)).toBe(true);
      }
    }
    const formVariants: Array<Record<string, string>> = [
      {},
      { use_crops: 'true' },
      { phash_gate: '8' },
      { filter: '{"tags_any":["cat"]}' },
    ];
    for (const fields of formVariants) {
      const response = await upload(queryPng, { limit: '50', ...fields });
      const body = (await response.json()) as SimilarBody;
      expect({ fields, status: response.status }).toEqual({ fields, status: 200 });
      for (const hit of body.hits) expect(own.has(hit.image_id)).toBe(true);
    }
    for (const hit of (await similar({ image_id: ids.get('q'), phash_gate: 12, limit: 50 })).hits) {
      expect(own.has(hit.image_id)).toBe(true);
    }
    // Bob sees his own images only, even with alice's image id.
    expect((await post('/api/search/similar', { image_id: ids.get('q') }, bob)).status).toBe(404);
    const bobs = await similar({ image_id: bobIds.get('bob-q'), limit: 50 }, bob);
    for (const hit of bobs.hits) expect([...bobIds.values()]).toContain(hit.image_id);
  });

  it('clusters look-alikes with a medoid representative, and refuses foreign ids', async () => {
    const response = await post('/api/search/cluster', { linkage: 'average', threshold: 0.05, limit: 100 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      clusters: {
        cluster_id: string;
        representative: string;
        members: { image_id: string; score: number }[];
      }[];
    };
    const own = new Set(ids.values());
    expect(body.clusters.flatMap((c) => c.members).length).toBe(ids.size);
    for (const c of body.clusters) {
      expect(c.members.map((m) => m.image_id)).toContain(c.representative);
      for (const m of c.members) expect(own.has(m.image_id)).toBe(true);
    }
    const foreign = await post('/api/search/cluster', { image_ids: [ids.get('q'), bobIds.get('bob-n1')] });
    expect(foreign.status).toBe(404);
    const tooMany = await post('/api/search/cluster', { limit: 5001 });
    expect(tooMany.status).toBe(400);
  });
});

interface ClusterBody {
  clusters: { cluster_id: string; representative: string; members: { image_id: string; score: number }[] }[];
}
interface JobBody {
  job_id: string;
  kind: string;
  state: string;
  done: number;
  total: number;
  error?: string;
  result?: ClusterBody;
}

describe.each(modes)('cluster requests as jobs through the gateway (%s)', (mode) => {
  let stack: TestStack;
  let alice: string;
  let bob: string;
  let ids: Map<string, string>;
  let bobIds: Map<string, string>;
  let store: VectorStore;
  let releaseStore: () => Promise<void>;
  let modelInfo: BusSubscription | undefined;

  beforeAll(async () => {
    // Ingest answers GET /api/jobs/{id} from the shared jobs table; the inline maximum is 3 points.
    stack = await startTestStack(mode, {
      omit: ['embedding', 'dedup', 'anomaly', 'feedback'],
      env: { SEARCH_CLUSTER_INLINE_MAX: '3', RECONCILE_INTERVAL_SECONDS: '0' },
    });
    const config = { VECTOR_STORE: 'lancedb' as const, LOOKALIKE_DATA_DIR: stack.dataDir };
    if (mode === 'embedded') {
      const lease = acquireVectorStore(config);
      store = lease.store;
      releaseStore = () => lease.release();
    } else {
      const own = new LanceDbVectorStore({ dir: join(stack.dataDir, 'lancedb'), autoIndex: false });
      store = own;
      releaseStore = () => own.close();
    }
    await store.ensureCollection({ models: [MODEL] });
    // Three groups far apart (cosine distance 1 between groups), tagged by group.
    ids = await seed(store, 'alice', [
      { name: 'g1a', vector: vec(0), tags: ['g1'] },
      { name: 'g1b', vector: vec(0, 0.02), tags: ['g1'] },
      { name: 'g1c', vector: vec(0, 0.04), tags: ['g1'] },
      { name: 'g2a', vector: vec(3), tags: ['g2'] },
      { name: 'g2b', vector: vec(3, 0.03), tags: ['g2'] },
      { name: 'lone', vector: vec(6), tags: ['g3'] },
    ]);
    bobIds = await seed(store, 'bob', [{ name: 'bob-g1', vector: vec(0, 0.01), tags: ['g1'] }]);
    modelInfo = await serve(stack.bus, Subjects.EmbeddingModelInfo, 'embedding', () => ({
      name: MODEL.name,
      version: MODEL.version,
      dim: MODEL.dimension,
      vectorName: `${MODEL.name}_global`,
      textAvailable: false,
    }));
    alice = await devLogin(stack.url, 'alice');
    bob = await devLogin(stack.url, 'bob');
  }, 120_000);

  afterAll(async () => {
    await modelInfo?.unsubscribe();
    await releaseStore?.();
    await stack?.close();
  }, 60_000);

  const some = (...names: string[]) => names.map((n) => ids.get(n)!);
  const cluster = (body: unknown, token = alice) =>
    fetch(`${stack.url}/api/search/cluster`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ threshold: 0.1, ...(body as object) }),
    });
  const inline = async (body: unknown): Promise<ClusterBody> => {
    const response = await cluster(body);
    const json = (await response.json()) as ClusterBody;
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const getJob = (jobId: string, token = alice) =>
    fetch(`${stack.url}/api/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` } });
  /** Submits a request that must run as a job and polls it until it has finished. */
  const asJob = async (body: unknown): Promise<JobBody> => {
    const response = await cluster(body);
    const accepted = (await response.json()) as { job_id: string; status_url: string };
    expect({ status: response.status, accepted }).toEqual({
      status: 202,
      accepted: { job_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/), status_url: expect.any(String) },
    });
    expect(response.headers.get('location')).toBe(`/api/jobs/${accepted.job_id}`);
    expect(accepted.status_url).toBe(`/api/jobs/${accepted.job_id}`);
    for (let i = 0; i < 150; i += 1) {
      const job = (await (await getJob(accepted.job_id)).json()) as JobBody;
      if (job.state === 'succeeded' || job.state === 'failed') return job;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${accepted.job_id} did not finish`);
  };

  it('answers a request of up to SEARCH_CLUSTER_INLINE_MAX points inline with 200', async () => {
    const response = await cluster({ image_ids: some('g1a', 'g1b', 'g2a') });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    const body = (await response.json()) as ClusterBody & { job_id?: string };
    expect(body.job_id).toBeUndefined();
    expect(body.clusters.map((c) => c.members.length)).toEqual([2, 1]);
  });

  it('runs a filter request over the maximum as a job whose result is the inline answer', async () => {
    // The filter matches three images: limit 3 is answered inline, limit 50 runs as a job.
    const expected = await inline({ filter: { tags_any: ['g1'] }, limit: 3 });
    expect(expected.clusters).toHaveLength(1);
    const job = await asJob({ filter: { tags_any: ['g1'] }, limit: 50 });
    expect(job).toMatchObject({ kind: 'cluster', state: 'succeeded', done: 3, total: 3 });
    expect(job.result).toEqual(expected);
  });

  it('runs image_ids over the maximum as a job with the clusters inline requests give', async () => {
    const job = await asJob({ image_ids: some('g1a', 'g1b', 'g1c', 'g2a', 'g2b', 'lone') });
    expect(job).toMatchObject({ kind: 'cluster', state: 'succeeded', done: 6, total: 6 });
    // The groups lie far beyond the threshold from each other, so clustering them together gives
    // the clusters of each group clustered alone (largest first).
    const parts = [
      await inline({ image_ids: some('g1a', 'g1b', 'g1c') }),
      await inline({ image_ids: some('g2a', 'g2b', 'lone') }),
    ];
    const clusters = parts.flatMap((p) => p.clusters).sort((a, b) => b.members.length - a.members.length);
    expect(clusters.map((c) => c.members.length)).toEqual([3, 2, 1]);
    expect(job.result).toEqual({ clusters });
  });

  it('runs a small request with async: true as a job', async () => {
    const expected = await inline({ image_ids: some('g2a', 'g2b'), linkage: 'complete' });
    const job = await asJob({ image_ids: some('g2a', 'g2b'), linkage: 'complete', async: true });
    expect(job).toMatchObject({ state: 'succeeded', result: expected });
  });

  it('answers bad input with 400 and foreign ids with 404 at once, not as a failed job', async () => {
    const six = some('g1a', 'g1b', 'g1c', 'g2a', 'g2b', 'lone');
    const cases: [unknown, number, string][] = [
      [{ image_ids: six, limit: 4 }, 400, 'invalid_argument'],
      [{ image_ids: six, linkage: 'ward' }, 400, 'invalid_argument'],
      [{ limit: 5001, async: true }, 400, 'invalid_argument'],
      [{ filter: { tags_any: ['g1'] }, limit: 50, async: 'yes' }, 400, 'invalid_argument'],
      [{ image_ids: [...six, bobIds.get('bob-g1')] }, 404, 'not_found'],
      [{ image_ids: [ids.get('g1a'), bobIds.get('bob-g1')], async: true }, 404, 'not_found'],
      [{ image_ids: [...six.slice(0, 3), '01JZZZZZZZZZZZZZZZZZZZZZZZ'] }, 404, 'not_found'],
    ];
    for (const [body, status, code] of cases) {
      const response = await cluster(body);
      expect({ body, status: response.status }).toEqual({ body, status });
      expect(await response.json()).toMatchObject({ code });
    }
  });

  it("answers 404 to another tenant polling alice's job", async () => {
    const response = await cluster({ image_ids: some('g1a', 'g1b'), async: true });
    expect(response.status).toBe(202);
    const { job_id: jobId } = (await response.json()) as { job_id: string };
    expect((await getJob(jobId, bob)).status).toBe(404);
    expect((await getJob(jobId)).status).toBe(200);
  });
});
