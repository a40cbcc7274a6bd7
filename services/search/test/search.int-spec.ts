import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ErrorCode,
  ModelInfoGetResponse,
  packVector,
  SimilarSearchRequest,
  Subjects,
  type DeepPartialOf,
  type SubjectDef,
} from '@lookalike/contracts';
import { loadConfig } from '@lookalike/config';
import type { RpcClient } from '@lookalike/messaging';
import { createObjectStore, derivedObjectKey, type LocalObjectStore } from '@lookalike/object-store';
import { LanceDbVectorStore } from '@lookalike/vector-store';
import { EmbeddingRepository } from '../src/repositories/embedding.repository';
import { ImageUrlRepository } from '../src/repositories/image-url.repository';
import { VectorIndexRepository } from '../src/repositories/vector-index.repository';
import { searchEnvSchema } from '../src/search.config';
import { ClusterService } from '../src/services/cluster.service';
import { SearchService } from '../src/services/search.service';
import { MODEL, seed, sha256Of, vec, type SeedImage } from './support/search-fixtures';

const config = loadConfig(searchEnvSchema, {});

describe('search against LanceDB', () => {
  let dir: string;
  let store: LanceDbVectorStore;
  let search: SearchService;
  let clusters: ClusterService;
  let objects: LocalObjectStore;
  let alice: Map<string, string>;
  let bob: Map<string, string>;
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
    search = new SearchService(index, embedding, new ImageUrlRepository(objects, config), config);
    clusters = new ClusterService(index, embedding);
  });

  afterAll(async () => {
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
    for (const [url, variant] of [
      [hit.thumbnailUrl, 'thumb256'],
      [hit.previewUrl, 'thumb1024'],
    ] as const) {
      const key = derivedObjectKey(hit.payload!.key, variant, 'webp');
      await objects.put(key, Buffer.from(variant), { contentType: 'image/webp' });
      const parsed = new URL(url);
      expect(decodeURIComponent(parsed.pathname)).toContain(key);
      const opened = await objects.openSignedDownload({
        key,
        query: Object.fromEntries(parsed.searchParams),
      });
      expect(opened.size).toBe(variant.length);
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
    });
    for (const c of cluster.clusters) for (const m of c.members) expect(own.has(m.imageId)).toBe(true);
  });
});
