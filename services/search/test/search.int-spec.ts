import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ClusterSearchRequest,
  ClusterSearchResponse,
  ErrorCode,
  ModelInfoGetResponse,
  packVector,
  SimilarSearchRequest,
  Subjects,
  type DeepPartialOf,
  type SubjectDef,
} from '@lookalike/contracts';
import { loadConfig } from '@lookalike/config';
import { LocalFeatureWorkers } from '@lookalike/local-features';
import { JetStreamJobQueue, JobRunner, NatsBus, type RpcClient } from '@lookalike/messaging';
import { originalServesAsPreview } from '@lookalike/imaging';
import { createObjectStore, derivedObjectKey, type LocalObjectStore } from '@lookalike/object-store';
import {
  JobRepository,
  openDatabase,
  type JobEntity,
  type LookalikeDataSource,
} from '@lookalike/persistence';
import { LanceDbVectorStore } from '@lookalike/vector-store';
import { EmbeddingRepository } from '../src/repositories/embedding.repository';
import { ImageUrlRepository } from '../src/repositories/image-url.repository';
import { LocalFeaturesRepository } from '../src/repositories/local-features.repository';
import { VectorIndexRepository } from '../src/repositories/vector-index.repository';
import { searchEnvSchema } from '../src/search.config';
import { ClusterService } from '../src/services/cluster.service';
import { SearchService } from '../src/services/search.service';
import { MODEL, seed, sha256Of, vec, type SeedImage } from './support/search-fixtures';

const config = loadConfig(searchEnvSchema, {});
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

describe('search against LanceDB', () => {
  let dir: string;
  let store: LanceDbVectorStore;
  let search: SearchService;
  let clusters: ClusterService;
  let objects: LocalObjectStore;
  let alice: Map<string, string>;
  let bob: Map<string, string>;
  // Cluster jobs: rows in PostgreSQL (a schema of their own), messages on JetStream.
  const schema = `search_${randomUUID().slice(0, 8)}`;
  let db: LookalikeDataSource;
  let jobs: JobRepository;
  let bus: NatsBus;
  let queue: JetStreamJobQueue;
  let runner: JobRunner;
  const send = jest.fn(async (subject: SubjectDef<unknown, unknown>) => {
    if (subject === Subjects.EmbeddingModelInfo) {
      return ModelInfoGetResponse.fromPartial({
        name: MODEL.name,
        version: MODEL.version,
        dim: MODEL.dimension,
        vectorName: 'clip_global',
      });
    }
    throw new Error(`unexpected ${subject.name}`);
  });

  // Alice's images lie around axis 0 at growing angles; every filter field singles some out.
  const aliceImages: SeedImage[] = [
    { name: 'q', vector: vec(0), phash: 'abcd000000000000', tags: ['cat'] },
    {
      name: 'n1',
      vector: vec(0, 0.05),
      phash: 'abcd000000000001',
      tags: ['cat', 'pet'],
      createdAt: '2026-02-01T00:00:00Z',
    },
    {
      name: 'n2',
      vector: vec(0, 0.1),
      phash: 'abcd0000000000ff',
      tags: ['dog'],
      qualityScore: 0.1,
      qualityFlags: ['blurry'],
    },
    { name: 'n3', vector: vec(0, 0.15), phash: 'ffff0000ffff0000', nsfwScore: 0.9, source: 'api' },
    {
      name: 'n4',
      vector: vec(0, 0.2),
      phash: '1234567812345678',
      anomalyScore: 0.95,
      createdAt: '2025-06-01T00:00:00Z',
      source: 'batch',
    },
    {
      name: 'n5',
      vector: vec(0, 0.25),
      crops: [vec(6), vec(7)],
      phash: '1111111111111111',
      qualityFlags: ['dark', 'grayscale'],
    },
    { name: 'cropped', vector: vec(5), crops: [vec(0, 0.01), vec(4)], phash: '2222222222222222' },
    ...Array.from({ length: 30 }, (_, i) => ({
      name: `bulk${i}`,
      vector: vec(3, i * 0.01),
      phash: '3333333333333333',
    })),
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'search-int-'));
    store = new LanceDbVectorStore({ dir: join(dir, 'lancedb'), autoIndex: false });
    await store.ensureCollection({ models: [MODEL] });
    alice = await seed(store, 'alice', aliceImages);
    // Bob holds copies of alice's neighbourhood, nearer to her query than her own images.
    bob = await seed(
      store,
      'bob',
      aliceImages
        .slice(0, 7)
        .map((image) => ({ ...image, name: `bob-${image.name}`, vector: vec(0, 0.001) })),
    );
    objects = (await createObjectStore({
      kind: 'local',
      dir: join(dir, 'objects'),
      baseUrl: 'http://127.0.0.1:8080/api/objects',
      signingKey: 'k'.repeat(64),
    })) as LocalObjectStore;
    const rpc = { send } as unknown as RpcClient;
    const index = new VectorIndexRepository(store);
    const embedding = new EmbeddingRepository(rpc, config);
    // The seeded points have vectors but no images: nothing to verify.
    const features = new LocalFeaturesRepository(
      config,
      objects,
      new LocalFeatureWorkers({ LOCAL_FEATURES: false, LOCAL_FEATURES_THREADS: 1 }),
    );
    search = new SearchService(index, embedding, new ImageUrlRepository(objects, config), features, config);
    db = await openDatabase({ url: PG_URL, schema, poolSize: 4 });
    jobs = new JobRepository(db);
    bus = await NatsBus.connect({ url: NATS_URL, name: 'search-int' });
    queue = new JetStreamJobQueue(bus.raw, {
      subjectPrefix: `s${randomUUID().slice(0, 8)}`,
      ackWaitMs: 2000,
    });
    // No periodic sweep: jobs arrive by message only, so the takeover test decides who claims.
    runner = new JobRunner(queue, jobs, {
      workerId: 'search-int',
      leaseSeconds: 1,
      sweepIntervalMs: 600_000,
    });
    clusters = new ClusterService(index, embedding, runner, config);
    clusters.onModuleInit();
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await queue?.destroy();
    await bus?.close();
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.destroy();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const similar = (partial: DeepPartialOf<SimilarSearchRequest>, owner = 'alice') =>
    search.similar(
      SimilarSearchRequest.fromPartial({ caller: { ownerUserId: owner }, limit: 10, ...partial }),
    );
  const names = (hits: { imageId: string }[]) =>
    hits.map((h) => [...alice.entries()].find(([, id]) => id === h.imageId)?.[0] ?? `not-alice:${h.imageId}`);

  it('ranks by cosine from the stored vector and leaves the query out', async () => {
    const res = await similar({ imageId: alice.get('q'), limit: 5 });
    expect(names(res.hits)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(send.mock.calls.filter(([s]) => s !== Subjects.EmbeddingModelInfo)).toEqual([]);
  });

  it.each([
    ['tags any', { tagsAny: ['pet', 'dog'] }, ['n1', 'n2']],
    ['tags all', { tagsAll: ['cat', 'pet'] }, ['n1']],
    ['created range', { createdFrom: '2026-01-15T00:00:00Z', createdTo: '2026-03-01T00:00:00Z' }, ['n1']],
    ['created before', { createdTo: '2025-12-31T00:00:00Z' }, ['n4']],
    ['min quality', { minQuality: 0.5 }, ['n1', 'n3', 'n4', 'n5']],
    ['max nsfw', { maxNsfw: 0.5 }, ['n1', 'n2', 'n4', 'n5']],
    ['min anomaly', { minAnomaly: 0.9 }, ['n4']],
    ['flags all', { flagsAll: ['dark', 'grayscale'] }, ['n5']],
    ['flags none', { flagsNone: ['blurry', 'dark'] }, ['n1', 'n3', 'n4']],
    ['sources', { sources: ['api', 'batch'] }, ['n3', 'n4']],
  ])('filters by %s', async (_label, filter, expected) => {
    const res = await similar({
      imageId: alice.get('q'),
      limit: expected.length + 1,
      filter,
      scoreThreshold: 0.9,
    });
    expect(names(res.hits)).toEqual(expected);
  });

  it('filters by image ids and sha256', async () => {
    const ids = await similar({
      imageId: alice.get('q'),
      filter: { imageIds: [alice.get('n3')!, alice.get('n5')!] },
    });
    expect(names(ids.hits)).toEqual(['n3', 'n5']);
    const bySha = await similar({ imageId: alice.get('q'), filter: { sha256: sha256Of('alice/n4') } });
    expect(names(bySha.hits)).toEqual(['n4']);
  });

  it('merges crops by max score per point', async () => {
    const res = await similar({ imageId: alice.get('q'), limit: 2, useCrops: true });
    expect(names(res.hits)).toEqual(['cropped', 'n1']);
  });

  it('gates by pHash before ranking by cosine, exactly up to 3 and by scan above', async () => {
    expect(names((await similar({ imageId: alice.get('q'), phashGate: 3 })).hits)).toEqual(['n1']);
    expect(names((await similar({ imageId: alice.get('q'), phashGate: 8 })).hits)).toEqual(['n1', 'n2']);
  });

  it('pages through 30 equal-angle neighbours without gaps or repeats', async () => {
    const query = {
      vector: packVector(vec(3)),
      filter: {
        imageIds: aliceImages.filter((i) => i.name.startsWith('bulk')).map((i) => alice.get(i.name)!),
      },
    };
    const seen: string[] = [];
    for (let offset = 0; offset < 30; offset += 7)
      seen.push(...names((await similar({ ...query, limit: 7, offset })).hits));
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `bulk${i}`));
  });

  it('signs thumbnail and preview URLs the gateway accepts', async () => {
    const res = await similar({ imageId: alice.get('q'), limit: 1, includePayload: true });
    const hit = res.hits[0]!;
    // The seeded payload is a small JPEG: its original is its own preview.
    expect(originalServesAsPreview(hit.payload!)).toBe(true);
    for (const [url, key] of [
      [hit.thumbnailUrl, derivedObjectKey(hit.payload!.key, 'thumb256', 'webp')],
      [hit.previewUrl, hit.payload!.key],
    ] as const) {
      await objects.put(key, Buffer.from(key), { contentType: 'image/webp' });
      const parsed = new URL(url);
      expect(decodeURIComponent(parsed.pathname)).toContain(key);
      const opened = await objects.openSignedDownload({
        key,
        query: Object.fromEntries(parsed.searchParams),
      });
      expect(opened.size).toBe(key.length);
      opened.stream.destroy();
    }
  });

  it("never shows alice bob's nearer copies, for any query kind, filter, crops or gate", async () => {
    const own = new Set(alice.values());
    const kinds = [{ imageId: alice.get('q') }, { vector: packVector(vec(0)) }];
    const variants = [
      {},
      { filter: { tagsAny: ['cat'] } },
      { useCrops: true },
      { groupDuplicates: true },
      { offset: 2 },
    ];
    for (const kind of kinds) {
      for (const variant of variants) {
        const res = await similar({ ...kind, ...variant, limit: 50 });
        expect(res.hits.length).toBeGreaterThan(0);
        for (const hit of res.hits) expect(own.has(hit.imageId)).toBe(true);
      }
    }
    for (const gate of [3, 8]) {
      for (const hit of (await similar({ imageId: alice.get('q'), phashGate: gate })).hits)
        expect(own.has(hit.imageId)).toBe(true);
    }
    await expect(similar({ imageId: bob.get('bob-q') })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const cluster = await clusters.cluster({
      caller: { ownerUserId: 'alice', userId: 'alice' },
      imageIds: [],
      limit: 500,
      method: '',
      linkage: 'single',
      threshold: 0.05,
      async: false,
    });
    for (const c of cluster.clusters) for (const m of c.members) expect(own.has(m.imageId)).toBe(true);
  });

  describe('cluster jobs', () => {
    const request = (partial: Partial<ClusterSearchRequest>) =>
      ClusterSearchRequest.fromPartial({
        caller: { ownerUserId: 'alice', userId: 'alice' },
        limit: 100,
        linkage: 'average',
        threshold: 0.05,
        ...partial,
      });
    /** The inline answer as the REST API shows it, after the trip through the transport's codec. */
    const asRest = (res: ClusterSearchResponse) => ({
      clusters: ClusterSearchResponse.decode(ClusterSearchResponse.encode(res).finish()).clusters.map(
        (c) => ({
          cluster_id: c.clusterId,
          representative: c.representative,
          members: c.members.map((m) => ({ image_id: m.imageId, score: m.score })),
        }),
      ),
    });
    async function finished(jobId: string): Promise<JobEntity> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const row = await jobs.get('alice', jobId);
        if (row && (row.state === 'succeeded' || row.state === 'failed')) return row;
        if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${row?.state}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('runs an async request as a job in the jobs table, with the inline answer as its result', async () => {
      const inline = await clusters.cluster(request({}));
      expect(inline.jobId).toBe('');
      expect(inline.clusters.length).toBeGreaterThan(1);
      const submitted = await clusters.cluster(request({ async: true }));
      expect(submitted.clusters).toEqual([]);
      const row = await finished(submitted.jobId);
      expect(row).toMatchObject({
        ownerUserId: 'alice',
        kind: 'cluster',
        state: 'succeeded',
        done: alice.size,
        total: alice.size,
        attempts: 1,
        result: asRest(inline),
      });
      expect(await jobs.get('bob', submitted.jobId)).toBeNull();
    });

    it("refuses bob's image before creating a job", async () => {
      const before = await jobs.list('alice', { kind: 'cluster' });
      await expect(
        clusters.cluster(request({ imageIds: [alice.get('q')!, bob.get('bob-n1')!], async: true })),
      ).rejects.toMatchObject({ code: ErrorCode.NotFound });
      expect((await jobs.list('alice', { kind: 'cluster' })).items).toHaveLength(before.items.length);
    });

    it('takes over a job whose worker died mid-way and recomputes it from the payload', async () => {
      const ids = [...alice.values()].slice(0, 6);
      const first = await finished((await clusters.cluster(request({ imageIds: ids, async: true }))).jobId);
      const { job } = await jobs.create({
        ownerUserId: 'alice',
        kind: 'cluster',
        payload: first.payload,
        total: ids.length,
      });
      const crashed = await jobs.claim({ workerId: 'crashed', kinds: ['cluster'], leaseSeconds: 1 });
      expect(crashed?.jobId).toBe(job.jobId);
      await jobs.progress(job.jobId, 'crashed', { done: 3 });
      // The message the crashed process had taken comes back (JetStream redelivers it).
      await queue.publish({ jobId: job.jobId, ownerUserId: 'alice', kind: 'cluster' });
      const replayed = await finished(job.jobId);
      expect(replayed).toMatchObject({
        state: 'succeeded',
        attempts: 2,
        done: ids.length,
        result: first.result,
      });
    });
  });
});
