import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { originalServesAsPreview } from '@lookalike/imaging';
import type { BusSubscription } from '@lookalike/messaging';
import { Client } from 'pg';
import { serveStandInEmbedding } from './support/ingest-stand-ins';
import { devLogin, startTestStack, StackMode, TestStack } from './support/test-stack';

const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
const BAD_INPUTS = '/work/shared/datasets/bad-inputs';
const NEAR_COPIES = '/work/shared/datasets/dev-nearcopies';

/** The README's answer per file; `accept` files must come back 201 with an indexed image. */
const expected: Record<string, number | 'accept' | 'accept-or-422'> = {
  'empty.jpg': 400,
  'header-only.jpg': 422,
  'truncated.jpg': 422,
  'bitflips.jpg': 'accept-or-422',
  'bad-crc.png': 422,
  'text-named.jpg': 415,
  'html-named.png': 415,
  'xxe.svg': 415,
  'bomb-20000x20000.png': 422,
  'polyglot.jpg': 'accept',
  'wrong-ext.png': 'accept',
  'animated.gif': 'accept',
  'cmyk.jpg': 'accept',
  'image.tiff': 'accept',
  'image.webp': 'accept',
  'oriented-6.jpg': 'accept',
};

interface IngestAnswer {
  image_id: string;
  status: 'created' | 'duplicate';
  duplicate_of?: string;
  near_duplicates: { image_id: string; kind: string; hamming: number; cosine: number }[];
  duplicate_check: 'ok' | 'unavailable' | 'skipped';
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else out.push(path);
  }
  return out;
}

async function postUpload(
  baseUrl: string,
  token: string,
  bytes: Buffer,
  name: string,
  tags?: string[],
): Promise<Response> {
  // Built by hand: Jest's realm makes undici's FormData stringify Blobs from the test context.
  const boundary = `----lookalike${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  if (tags) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="tags"\r\n\r\n${JSON.stringify(tags)}\r\n`,
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return fetch(`${baseUrl}/api/images`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    body: Buffer.concat(parts),
  });
}

const modes: StackMode[] = (process.env.INGEST_E2E_MODES?.split(',') as StackMode[] | undefined) ?? [
  'embedded',
  'distributed',
];

jest.setTimeout(120_000);

describe.each(modes)('image ingest through the gateway (%s)', (mode) => {
  let stack: TestStack;
  let embedding: BusSubscription;
  const embedCalls = { count: 0 };

  const schema = `e2e_ingest_${Date.now()}`;

  beforeAll(async () => {
    // The test stands in for the embedding service (deterministic vectors, no model files needed).
    stack = await startTestStack(mode, {
      omit: ['embedding'],
      env: {
        RPC_TIMEOUT_MS: '30000',
        // A loaded test machine must not turn the near-duplicate report into `unavailable`.
        INGEST_DUPLICATE_CHECK_TIMEOUT_MS: '30000',
        RECONCILE_INTERVAL_SECONDS: '0',
        ...(mode === 'distributed' ? { DATABASE_URL: `${PG_URL}?schema=${schema}` } : {}),
      },
    });
    embedding = await serveStandInEmbedding(stack.bus, stack.dataDir, embedCalls);
  }, 120_000);

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
    if (mode === 'distributed') {
      const db = new Client({ connectionString: PG_URL });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await db.end();
    }
  });

  function upload(token: string, bytes: Buffer, name: string, tags?: string[]): Promise<Response> {
    return postUpload(stack.url, token, bytes, name, tags);
  }

  async function api(token: string, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${stack.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  }

  async function objectsOf(owner: string): Promise<string[]> {
    // The local store keeps each object as one file under <data>/objects/objects/<key>.
    const root = join(stack.dataDir, 'objects', 'objects');
    const files = await listFiles(join(root, owner));
    return files.map((f) => f.slice(root.length + 1)).sort();
  }

  interface Listed {
    payload: {
      image_id: string;
      key: string;
      width: number;
      height: number;
      format: string;
      size_bytes: number;
    };
    status: string;
  }

  async function allImages(token: string): Promise<Listed[]> {
    const response = await api(token, '/api/images?limit=200');
    expect(response.status).toBe(200);
    return ((await response.json()) as { images: Listed[] }).images;
  }

  /**
   * The objects an indexed image keeps: its original, the 256 px thumbnail, local features, and a
   * 1024 px thumbnail unless the original is its own preview (a small JPEG, PNG or WebP).
   */
  const objectsPerImage = (image: Listed) =>
    originalServesAsPreview({ ...image.payload, sizeBytes: image.payload.size_bytes }) ? 3 : 4;
  const objectsOfAll = (images: Listed[]) => images.reduce((n, image) => n + objectsPerImage(image), 0);

  it('answers every bad input with its README answer as problem+json and leaves nothing behind', async () => {
    const token = await devLogin(stack.url, `bad-${mode}`);
    const accepted: string[] = [];
    for (const [file, answer] of Object.entries(expected)) {
      const bytes = await readFile(join(BAD_INPUTS, file));
      const response = await upload(token, bytes, file);
      const body = (await response.json()) as Record<string, unknown>;
      if (answer === 'accept' || (answer === 'accept-or-422' && response.status === 201)) {
        expect({ file, status: response.status, detail: body.detail }).toEqual({
          file,
          status: 201,
          detail: undefined,
        });
        accepted.push(String((body as unknown as IngestAnswer).image_id));
        continue;
      }
      const status = answer === 'accept-or-422' ? 422 : answer;
      expect({ file, status: response.status, detail: body.detail, errors: body.errors }).toEqual({
        file,
        status,
        detail: body.detail,
        errors: body.errors,
      });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status });
    }
    // Nothing half-written: one row per accepted file, each indexed, and only their objects stored.
    const images = await allImages(token);
    expect(images.map((i) => i.payload.image_id).sort()).toEqual([...accepted].sort());
    expect(images.every((i) => i.status === 'indexed')).toBe(true);
    const keys = await objectsOf(`bad-${mode}`);
    // Each accepted image: its original, thumbnails and its local features.
    expect(keys).toHaveLength(objectsOfAll(images));
    for (const image of images) {
      expect(keys).toContain(image.payload.key);
    }
  });

  it('stores the displayed size, serves the original with the type read from its bytes, and a webp thumbnail', async () => {
    const token = await devLogin(stack.url, `detail-${mode}`);
    const oriented = await upload(token, await readFile(join(BAD_INPUTS, 'oriented-6.jpg')), 'o.jpg', ['a']);
    const polyglot = await upload(token, await readFile(join(BAD_INPUTS, 'polyglot.jpg')), 'p.png');
    const { image_id: orientedId } = (await oriented.json()) as IngestAnswer;
    const { image_id: polyglotId } = (await polyglot.json()) as IngestAnswer;
    const record = (await (await api(token, `/api/images/${polyglotId}`)).json()) as {
      preview_url: string;
      thumbnail_url: string;
      payload: { format: string };
    };
    expect(record.payload.format).toBe('jpeg');
    const preview = await fetch(record.preview_url);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/jpeg');
    const thumb = await fetch(record.thumbnail_url);
    expect(thumb.headers.get('content-type')).toBe('image/webp');

    const tampered = record.preview_url.replace(
      /sig=([^&])/,
      (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`,
    );
    const refused = await fetch(tampered);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');

    const detail = (await (await api(token, `/api/images/${orientedId}`)).json()) as {
      payload: { width: number; height: number; tags: string[] };
    };
    const sharp = (await import('sharp')).default;
    const meta = await sharp(await readFile(join(BAD_INPUTS, 'oriented-6.jpg'))).metadata();
    expect([detail.payload.width, detail.payload.height]).toEqual([meta.height, meta.width]);
    expect(detail.payload.tags).toEqual(['a']);
  });

  it('enforces the signed size limit on a presigned upload with 413', async () => {
    const token = await devLogin(stack.url, `presign-${mode}`);
    const presign = (await (
      await api(token, '/api/images/presign', {
        method: 'POST',
        body: JSON.stringify({ content_type: 'image/jpeg', filename: 'x.jpg', size_bytes: 10 }),
      })
    ).json()) as { url: string; headers: Record<string, string>; max_bytes?: number };
    const tooBig = Buffer.alloc(26 * 1024 * 1024, 1);
    const response = await fetch(presign.url, { method: 'PUT', headers: presign.headers, body: tooBig });
    expect(response.status).toBe(413);
    expect(await objectsOf(`presign-${mode}`)).toEqual([]);
  });

  it('gives one image and 49 duplicates for 50 concurrent uploads of one file', async () => {
    const token = await devLogin(stack.url, `burst-${mode}`);
    const bytes = await readFile(join(BAD_INPUTS, 'cmyk.jpg'));
    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const response = await upload(token, bytes, 'same.jpg');
        expect(response.status).toBe(201);
        return (await response.json()) as IngestAnswer;
      }),
    );
    const created = answers.filter((a) => a.status === 'created');
    const duplicates = answers.filter((a) => a.status === 'duplicate');
    expect(created).toHaveLength(1);
    expect(duplicates).toHaveLength(49);
    expect(new Set(duplicates.map((d) => d.duplicate_of))).toEqual(new Set([created[0].image_id]));
    const [only] = await allImages(token);
    expect(await allImages(token)).toHaveLength(1);
    expect(await objectsOf(`burst-${mode}`)).toHaveLength(objectsPerImage(only!));
  });

  it('reports at upload time the near-duplicates the dedup service finds in the collection', async () => {
    const token = await devLogin(stack.url, `near-${mode}`);
    const dir = join(NEAR_COPIES, 'images');
    const original = (await readdir(dir)).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort()[0];
    const bytes = await readFile(join(dir, original));
    const first = (await (await upload(token, bytes, original)).json()) as IngestAnswer;
    const sharp = (await import('sharp')).default;
    const resized = await sharp(bytes).resize(300).jpeg({ quality: 70 }).toBuffer();
    const copy = (await (await upload(token, resized, 'copy.jpg')).json()) as IngestAnswer;
    expect(first.duplicate_check).toBe('ok');
    expect(copy).toMatchObject({ status: 'created', duplicate_check: 'ok' });
    const match = copy.near_duplicates.find((n) => n.image_id === first.image_id);
    // The dedup tiers: `exact` is the same bytes only (those answer status duplicate instead), so a
    // re-encoded copy is `near`: hashes within DEDUP_PHASH_MAX and a cosine over the stand-in
    // model's near threshold (the default of an uncalibrated model, 0.80).
    expect(match).toMatchObject({ kind: 'near' });
    expect(match?.hamming).toBeLessThanOrEqual(6);
    expect(match?.cosine).toBeGreaterThanOrEqual(0.8);
    const again = (await (await upload(token, resized, 'again.jpg')).json()) as IngestAnswer;
    expect(again).toMatchObject({
      status: 'duplicate',
      duplicate_of: copy.image_id,
      near_duplicates: [],
      duplicate_check: 'skipped',
    });
  });

  it('updates tags and deletes an image with its objects and vectors', async () => {
    const token = await devLogin(stack.url, `edit-${mode}`);
    const answer = (await (
      await upload(token, await readFile(join(BAD_INPUTS, 'image.webp')), 'w.webp')
    ).json()) as IngestAnswer;
    const patched = await api(token, `/api/images/${answer.image_id}`, {
      method: 'PATCH',
      body: JSON.stringify({ tags: ['x', 'y'] }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { payload: { tags: string[] } }).payload.tags).toEqual(['x', 'y']);
    const other = await devLogin(stack.url, `intruder-${mode}`);
    expect((await api(other, `/api/images/${answer.image_id}`)).status).toBe(404);
    expect((await api(token, `/api/images/${answer.image_id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(token, `/api/images/${answer.image_id}`)).status).toBe(404);
    expect(await objectsOf(`edit-${mode}`)).toEqual([]);
  });

  it('ingests a batch of presigned uploads as a job with progress and per-item failures', async () => {
    const token = await devLogin(stack.url, `batch-${mode}`);
    const items: { bucket: string; key: string }[] = [];
    for (const file of ['cmyk.jpg', 'image.tiff', 'text-named.jpg']) {
      const bytes = await readFile(join(BAD_INPUTS, file));
      const target = (await (
        await api(token, '/api/images/presign', {
          method: 'POST',
          body: JSON.stringify({ filename: file, size_bytes: bytes.length }),
        })
      ).json()) as { bucket: string; key: string; url: string; headers: Record<string, string> };
      const put = await fetch(target.url, { method: 'PUT', headers: target.headers, body: bytes });
      expect(put.status).toBe(200);
      items.push({ bucket: target.bucket, key: target.key });
    }
    const submitted = await api(token, '/api/images/ingest/batch', {
      method: 'POST',
      body: JSON.stringify({ items }),
    });
    expect(submitted.status).toBe(202);
    const { job_id: jobId } = (await submitted.json()) as { job_id: string };
    let job:
      { state: string; done: number; total: number; failures: { item: string; code: string }[] } | undefined;
    for (let i = 0; i < 100; i += 1) {
      job = (await (await api(token, `/api/jobs/${jobId}`)).json()) as typeof job;
      if (job && (job.state === 'succeeded' || job.state === 'failed')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(job).toMatchObject({ state: 'succeeded', done: 3, total: 3 });
    expect(job?.failures).toEqual([
      expect.objectContaining({ item: items[2].key, code: 'unsupported_media_type' }),
    ]);
    // Progress: the failed count, the rate over the run and no time left once finished.
    const progress = job as unknown as Record<string, unknown>;
    expect(progress.failed).toBe(1);
    expect(progress.items_per_second).toBeGreaterThan(0);
    expect(progress.eta_seconds).toBeUndefined();
    expect(Date.parse(String(progress.finished_at))).toBeGreaterThanOrEqual(
      Date.parse(String(progress.started_at)),
    );
    const both = await allImages(token);
    expect(both).toHaveLength(2);
    expect(await objectsOf(`batch-${mode}`)).toHaveLength(objectsOfAll(both));
    // The small JPEG is its own preview; the TIFF gets a 1024 px WebP one.
    expect(both.map(objectsPerImage).sort()).toEqual([3, 4]);
  });
});

describe.each(modes)('image ingest while the dedup service is down (%s)', (mode) => {
  let stack: TestStack;
  let embedding: BusSubscription;

  beforeAll(async () => {
    stack = await startTestStack(mode, {
      omit: ['embedding', 'dedup', 'anomaly', 'search', 'feedback'],
      env: { RPC_TIMEOUT_MS: '30000', RECONCILE_INTERVAL_SECONDS: '0' },
    });
    embedding = await serveStandInEmbedding(stack.bus, stack.dataDir);
  }, 120_000);

  afterAll(async () => {
    await embedding?.unsubscribe();
    await stack?.close();
  });

  it('stores and indexes the upload and says the near-duplicate report is unavailable', async () => {
    const token = await devLogin(stack.url, `nodedup-${mode}`);
    const bytes = await readFile(join(BAD_INPUTS, 'cmyk.jpg'));
    const response = await postUpload(stack.url, token, bytes, 'cmyk.jpg');
    expect(response.status).toBe(201);
    const answer = (await response.json()) as IngestAnswer;
    expect(answer).toMatchObject({ status: 'created', near_duplicates: [], duplicate_check: 'unavailable' });
    const image = await fetch(`${stack.url}/api/images/${answer.image_id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(image.status).toBe(200);
    expect(((await image.json()) as { status: string }).status).toBe('indexed');
  });
});
