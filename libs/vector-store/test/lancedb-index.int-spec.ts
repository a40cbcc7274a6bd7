import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceDbVectorStore, MemoryVectorStore, type UpsertPoint, type VectorStore } from '../src';
import { payload } from './vector-store.contract';

const DIM = 16;
const SPEC = { models: [{ name: 'clip', version: 't', dimension: DIM, crops: false }] };

/** Seeded clustered vectors: ANN finds their neighbours, so recall can be asserted. */
function dataset(owner: string, n: number, seed: number): UpsertPoint[] {
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const centers = Array.from({ length: 20 }, () => Array.from({ length: DIM }, rnd));
  return Array.from({ length: n }, (_, i) => {
    const c = centers[i % centers.length]!;
    return {
      payload: payload(owner, i, { tags: i % 2 === 0 ? ['even'] : ['odd'] }),
      vectors: { clip_global: c.map((x) => x + rnd() * 0.2) },
    };
  });
}

describe('LanceDB ANN index', () => {
  let dir: string;
  let store: LanceDbVectorStore;
  const reference: VectorStore = new MemoryVectorStore();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-lance-index-'));
    store = new LanceDbVectorStore({
      dir,
      autoIndex: false,
      index: {
        minRows: 500,
        exactBelowRows: 100,
        scalarIndexMinRows: 500,
        types: { none: 'ivf_flat', scalar: 'ivf_hnsw_sq', product: 'ivf_pq', binary: 'ivf_rq' },
        nprobes: 8,
      },
    });
    await store.ensureCollection(SPEC);
    await reference.ensureCollection(SPEC);
    for (const [owner, n, seed] of [
      ['big', 800, 1],
      ['small', 40, 2],
    ] as const) {
      const points = dataset(owner, n, seed);
      await store.upsert(owner, points);
      await reference.upsert(owner, points);
    }
  });

  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('searches exactly until the index is built, then through it with high recall', async () => {
    expect((await store.describeCollection())!.engine['clip_global.index']).toBe('exact');
    await store.optimize();
    const engine = (await store.describeCollection())!.engine;
    expect(engine['clip_global.index']).toBe('IvfFlat');
    const queries = dataset('big', 30, 99).map((p) => p.vectors.clip_global!);
    let found = 0;
    for (const vector of queries) {
      const got = await store.search('big', {
        vectorName: 'clip_global',
        vector,
        limit: 10,
        filter: { tagsAny: ['even'] },
      });
      const want = await reference.search('big', {
        vectorName: 'clip_global',
        vector,
        limit: 10,
        filter: { tagsAny: ['even'] },
      });
      expect(got.every((h) => h.payload!.tags.includes('even'))).toBe(true);
      const ids = new Set(want.map((h) => h.id));
      found += got.filter((h) => ids.has(h.id)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps a small tenant complete and isolated when the table has an index', async () => {
    await store.optimize();
    const vector = dataset('small', 1, 2)[0]!.vectors.clip_global!;
    const got = await store.search('small', { vectorName: 'clip_global', vector, limit: 50 });
    expect(got).toHaveLength(40);
    expect(got.every((h) => h.payload!.ownerUserId === 'small')).toBe(true);
    const want = await reference.search('small', { vectorName: 'clip_global', vector, limit: 50 });
    expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
  });

  it('finds rows written after the index was built', async () => {
    await store.optimize();
    const late = {
      payload: payload('big', 5000, { tags: ['late'] }),
      vectors: { clip_global: Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0)) },
    };
    await store.upsert('big', [late]);
    const hits = await store.search('big', {
      vectorName: 'clip_global',
      vector: late.vectors.clip_global,
      limit: 1,
      filter: { tagsAny: ['late'] },
    });
    expect(hits[0]!.payload!.tags).toEqual(['late']);
    expect(hits[0]!.score).toBeCloseTo(1, 5);
  });
});
