import { createHash } from 'node:crypto';
import type { ImagePayload } from '@lookalike/contracts';
import {
  phashChunks,
  pointIdFor,
  type CollectionSpec,
  type StoredPoint,
  type UpsertPoint,
  type VectorFilter,
  type VectorStore,
} from '../src';
import { fromStoredPayload } from '../src/core/payload.codec';

/** How a contract run gets its store: a fresh, empty one per test, and the same data reopened. */
export interface ContractHarness {
  store: VectorStore;
  /** Closes the store and opens a new instance over the same data (restart). */
  reopen?: () => Promise<VectorStore>;
  cleanup?: () => Promise<void>;
}

export const DIM = 8;
export const SPEC: CollectionSpec = {
  models: [{ name: 'clip', version: 'vit-b-32/test', dimension: DIM, crops: true }],
};

const A = 'owner-a';
const B = 'owner-b';

export function sha(n: number | string): string {
  return createHash('sha256').update(String(n)).digest('hex');
}

/** Basis-like unit vectors: e(i) plus a small tilt, so nearest neighbours are known by construction. */
export function vec(i: number, tilt = 0, dim = DIM): number[] {
  const v = new Array<number>(dim).fill(0);
  v[i % dim] = 1;
  v[(i + 1) % dim] = tilt;
  return v;
}

function unit(v: readonly number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

function cosine(a: readonly number[], b: readonly number[]): number {
  const ua = unit(a);
  const ub = unit(b);
  return ua.reduce((s, x, i) => s + x * ub[i]!, 0);
}

export function payload(owner: string, n: number, over: Partial<ImagePayload> = {}): ImagePayload {
  return {
    imageId: `01J${String(n).padStart(23, '0')}`,
    ownerUserId: owner,
    bucket: 'lookalike',
    key: `${owner}/2025/01/${n}.jpg`,
    sha256: sha(`${owner}:${n}`),
    phash: 'ffff0000ffff0000',
    width: 640,
    height: 480,
    format: 'jpeg',
    source: 'upload',
    tags: [],
    createdAt: new Date(Date.UTC(2025, 0, 1 + n, 12)).toISOString(),
    modelName: 'clip',
    modelVersion: 'vit-b-32/test',
    qualityScore: 0.5,
    qualityFlags: [],
    nsfwScore: 0.1,
    anomalyScore: 0.2,
    sizeBytes: 1000 + n,
    ...over,
  };
}

function point(p: ImagePayload, v: number[], crops?: number[][]): UpsertPoint {
  return {
    payload: p,
    vectors: { clip_global: v },
    ...(crops ? { multivectors: { clip_crops: crops } } : {}),
  };
}

interface Fixture {
  n: number;
  payload: ImagePayload;
  vector: number[];
}

/** Eight points of owner A with distinct payloads, plus owner B's points with the same contents. */
function fixtures(owner: string): Fixture[] {
  const rows: [Partial<ImagePayload>, number[]][] = [
    [
      {
        tags: ['cat', 'pet'],
        qualityScore: 0.9,
        qualityFlags: [],
        source: 'upload',
        phash: '0123456789abcdef',
      },
      vec(0),
    ],
    [
      {
        tags: ['dog', 'pet'],
        qualityScore: 0.8,
        qualityFlags: ['blurry'],
        source: 'api',
        phash: '0123ffffffffffff',
      },
      vec(0, 0.3),
    ],
    [
      { tags: ['cat'], qualityScore: 0.3, qualityFlags: ['dark', 'blurry'], source: 'batch', nsfwScore: 0.9 },
      vec(0, 0.6),
    ],
    [{ tags: ["a' OR '1'='1"], qualityScore: 0.6, anomalyScore: 0.95, source: 'upload' }, vec(1)],
    [
      {
        tags: ['car'],
        qualityScore: 0.7,
        qualityFlags: ['grayscale'],
        source: 'api',
        phash: 'aaaabbbbccccdddd',
      },
      vec(2),
    ],
    [{ tags: [], qualityScore: 0.1, qualityFlags: ['odd_size'], anomalyScore: 0.7, source: 'batch' }, vec(3)],
    [{ tags: ['pet', 'back\\slash'], qualityScore: 0.95, source: 'upload', nsfwScore: 0.5 }, vec(4)],
    [{ tags: ['dog'], qualityScore: 0.4, source: 'api', anomalyScore: 0.05 }, vec(5, 0.2)],
  ];
  return rows.map(([over, vector], n) => ({ n, payload: payload(owner, n, over), vector }));
}

async function seed(store: VectorStore): Promise<{ a: Fixture[]; b: Fixture[] }> {
  const a = fixtures(A);
  const b = fixtures(B);
  await store.upsert(
    A,
    a.map((f) => point(f.payload, f.vector, [f.vector, vec(f.n + 3)])),
  );
  await store.upsert(
    B,
    b.map((f) => point(f.payload, f.vector, [f.vector])),
  );
  return { a, b };
}

const ids = (points: readonly { id: string }[]) => points.map((p) => p.id).sort();
const idsOf = (owner: string, fs: readonly Fixture[]) =>
  fs.map((f) => pointIdFor(owner, f.payload.sha256)).sort();

export function describeVectorStoreContract(
  name: string,
  factory: () => Promise<ContractHarness>,
  options: { skip?: string } = {},
): void {
  const d = options.skip ? describe.skip : describe;
  d(`${name} vector store contract${options.skip ? ` (skipped: ${options.skip})` : ''}`, () => {
    let h: ContractHarness;
    let store: VectorStore;

    beforeEach(async () => {
      h = await factory();
      store = h.store;
      await store.ensureCollection(SPEC);
    });

    afterEach(async () => {
      await store.close();
      await h.cleanup?.();
    });

    it('describes the named vectors and models it holds, and adds a model without losing data', async () => {
      const before = await store.describeCollection();
      expect(before?.vectors.map((v) => v.name).sort()).toEqual(['clip_crops', 'clip_global']);
      expect(before?.models).toEqual([
        { name: 'clip', version: 'vit-b-32/test', dimension: DIM, crops: true },
      ]);
      await store.upsert(A, [point(payload(A, 1), vec(1))]);
      const after = await store.ensureCollection({
        models: [...SPEC.models, { name: 'mobilenet', version: 'v2', dimension: 4, crops: false }],
      });
      expect(after.vectors.map((v) => v.name).sort()).toEqual([
        'clip_crops',
        'clip_global',
        'mobilenet_global',
      ]);
      expect(after.pointsCount).toBe(1);
      await expect(
        store.ensureCollection({ models: [{ name: 'clip', version: 'x', dimension: DIM + 1, crops: true }] }),
      ).rejects.toMatchObject({
        code: 'conflict',
      });
      const id = pointIdFor(A, payload(A, 1).sha256);
      await store.updateVectors(A, [{ id, vectors: { mobilenet_global: [0, 0, 1, 0] } }]);
      const [got] = await store.get(A, [id], { withVectors: true });
      expect(Array.from(got!.vectors!.mobilenet_global!)).toEqual([0, 0, 1, 0]);
      expect(Array.from(got!.vectors!.clip_global!)).toEqual(unit(vec(1)));
      // A point the new model has not embedded yet (a re-index in progress) is no hit of it.
      await store.upsert(A, [point(payload(A, 2), vec(2))]);
      const hits = await store.search(A, { vectorName: 'mobilenet_global', vector: [0, 0, 1, 0], limit: 5 });
      expect(hits.map((x) => x.id)).toEqual([id]);
    });

    it('derives point ids from (owner, sha256) and round-trips payload and normalised vectors', async () => {
      const p = payload(A, 3, {
        tags: ['x', 'y'],
        createdAt: '2025-03-04T05:06:07+02:00',
        sha256: sha('mixed').toUpperCase(),
      });
      const [id] = await store.upsert(A, [point(p, [3, 4, 0, 0, 0, 0, 0, 0], [[0, 2, 0, 0, 0, 0, 0, 0]])]);
      expect(id).toBe(pointIdFor(A, sha('mixed')));
      expect(id).not.toBe(pointIdFor(B, sha('mixed')));
      const [got] = await store.get(A, [id!], { withVectors: true });
      expect(got!.payload).toEqual({ ...p, sha256: sha('mixed'), createdAt: '2025-03-04T03:06:07.000Z' });
      expect(Array.from(got!.vectors!.clip_global!)).toEqual(
        [0.6, 0.8, 0, 0, 0, 0, 0, 0].map((x) => Math.fround(x)),
      );
      expect(got!.multivectors!.clip_crops!.map((c) => Array.from(c))).toEqual([[0, 1, 0, 0, 0, 0, 0, 0]]);
      const [plain] = await store.get(A, [id!]);
      expect(plain!.vectors).toBeUndefined();
    });

    it('overwrites on a replayed upsert instead of duplicating', async () => {
      await store.upsert(A, [point(payload(A, 1, { tags: ['old'] }), vec(1))]);
      await store.upsert(A, [point(payload(A, 1, { tags: ['new'] }), vec(2))]);
      expect(await store.count(A)).toBe(1);
      const hits = await store.search(A, { vectorName: 'clip_global', vector: vec(2), limit: 5 });
      expect(hits).toHaveLength(1);
      expect(hits[0]!.payload!.tags).toEqual(['new']);
      expect(hits[0]!.score).toBeCloseTo(1, 5);
    });

    it('keeps tenants apart in every read, even when the filter names the other tenant', async () => {
      const { a } = await seed(store);
      const aIds = idsOf(A, a);
      const stolen: VectorFilter = {
        ids: aIds,
        imageIds: a.map((f) => f.payload.imageId),
        sha256: a[0]!.payload.sha256,
      };
      expect(await store.count(B, { ids: aIds })).toBe(0);
      expect(await store.count(B, stolen)).toBe(0);
      expect(await store.get(B, aIds)).toEqual([]);
      const hits = await store.search(B, { vectorName: 'clip_global', vector: vec(0), limit: 50 });
      expect(hits).toHaveLength(8);
      expect(hits.every((x) => x.payload!.ownerUserId === B)).toBe(true);
      expect(
        await store.search(B, {
          vectorName: 'clip_global',
          vector: vec(0),
          limit: 50,
          filter: { ids: aIds },
        }),
      ).toEqual([]);
      expect(
        await store.searchMulti(B, {
          vectorName: 'clip_crops',
          vectors: [vec(0)],
          limit: 50,
          filter: { ids: aIds },
        }),
      ).toEqual([]);
      const page = await store.scroll(B, {
        limit: 100,
        filter: { imageIds: a.map((f) => f.payload.imageId) },
      });
      expect(page.points.every((p) => p.payload.ownerUserId === B)).toBe(true);
      expect(await store.neighbours(B, { vectorName: 'clip_global', ids: aIds, k: 3 })).toEqual([]);
      const swept = await store.neighbours(B, { vectorName: 'clip_global', k: 20 });
      expect(
        swept.flatMap((s) => [s.id, ...s.neighbours.map((x) => x.id)]).some((id) => aIds.includes(id)),
      ).toBe(false);
      await store.delete(B, aIds);
      await store.setPayload(B, aIds, { tags: ['hacked'] });
      expect(await store.count(A)).toBe(8);
      expect(await store.count(A, { tagsAny: ['hacked'] })).toBe(0);
      await expect(store.upsert(B, [point(payload(A, 99), vec(1))])).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      await expect(store.count('', {})).rejects.toMatchObject({ code: 'invalid_argument' });
    });

    const filterCases: [string, VectorFilter, (f: Fixture) => boolean][] = [
      ['tagsAny', { tagsAny: ['cat', 'dog'] }, (f) => f.payload.tags.some((t) => t === 'cat' || t === 'dog')],
      [
        'tagsAll',
        { tagsAll: ['pet', 'dog'] },
        (f) => f.payload.tags.includes('pet') && f.payload.tags.includes('dog'),
      ],
      ['a tag that looks like SQL', { tagsAny: ["a' OR '1'='1"] }, (f) => f.n === 3],
      ['a tag with a backslash', { tagsAll: ['back\\slash'] }, (f) => f.n === 6],
      ['createdFrom (inclusive)', { createdFrom: '2025-01-04T12:00:00Z' }, (f) => f.n >= 3],
      ['createdTo (exclusive)', { createdTo: '2025-01-04T12:00:00Z' }, (f) => f.n < 3],
      [
        'created range',
        { createdFrom: '2025-01-02T00:00:00Z', createdTo: '2025-01-05T00:00:00Z' },
        (f) => f.n >= 1 && f.n <= 3,
      ],
      ['minQuality', { minQuality: 0.7 }, (f) => f.payload.qualityScore >= 0.7],
      ['maxNsfw', { maxNsfw: 0.5 }, (f) => f.payload.nsfwScore <= 0.5],
      ['minAnomaly', { minAnomaly: 0.7 }, (f) => f.payload.anomalyScore >= 0.7],
      ['flagsAll', { flagsAll: ['blurry', 'dark'] }, (f) => f.n === 2],
      [
        'flagsNone',
        { flagsNone: ['blurry', 'grayscale'] },
        (f) => !f.payload.qualityFlags.some((x) => x === 'blurry' || x === 'grayscale'),
      ],
      ['sources', { sources: ['api', 'batch'] }, (f) => f.payload.source !== 'upload'],
      ['sha256', { sha256: sha(`${A}:4`) }, (f) => f.n === 4],
      [
        'imageIds',
        { imageIds: [payload(A, 1).imageId, payload(A, 5).imageId] },
        (f) => f.n === 1 || f.n === 5,
      ],
      ['ids', { ids: [pointIdFor(A, sha(`${A}:7`))] }, (f) => f.n === 7],
      [
        'phashChunks (any chunk)',
        { phashChunks: phashChunks('0123eeeeeeeeeeee') },
        (f) => f.payload.phash.startsWith('0123'),
      ],
      ['phashChunks at another position', { phashChunks: ['2:cccc'] }, (f) => f.n === 4],
      ['empty lists are no condition', { tagsAny: [], flagsAll: [], sources: [] }, () => true],
      [
        'several fields together',
        { tagsAny: ['pet', 'dog'], minQuality: 0.5, flagsNone: ['blurry'] },
        (f) =>
          f.payload.tags.some((t) => t === 'pet' || t === 'dog') &&
          f.payload.qualityScore >= 0.5 &&
          !f.payload.qualityFlags.includes('blurry'),
      ],
    ];

    it.each(filterCases)('filters by %s in count, search and scroll', async (_label, filter, predicate) => {
      const { a } = await seed(store);
      const expected = idsOf(A, a.filter(predicate));
      expect(await store.count(A, filter)).toBe(expected.length);
      const hits = await store.search(A, { vectorName: 'clip_global', vector: vec(0), filter, limit: 50 });
      expect(ids(hits)).toEqual(expected);
      const page = await store.scroll(A, { filter, limit: 50 });
      expect(ids(page.points)).toEqual(expected);
    });

    it('rejects malformed filters with a typed error', async () => {
      await expect(store.count(A, { minQuality: Number.NaN })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      await expect(store.count(A, { createdFrom: 'yesterday' })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      await expect(store.count(A, { phashChunks: ["0:ab' OR 1=1"] })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      await expect(store.count(A, { ids: ["x' OR '1'='1"] })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    });

    it('scores by cosine, applies the score threshold and pages with offset', async () => {
      const { a } = await seed(store);
      const q = vec(0, 0.1);
      const all = await store.search(A, { vectorName: 'clip_global', vector: q, limit: 8 });
      expect(all).toHaveLength(8);
      for (const hit of all) {
        const f = a.find((x) => pointIdFor(A, x.payload.sha256) === hit.id)!;
        expect(hit.score).toBeCloseTo(cosine(q, f.vector), 5);
      }
      for (let i = 1; i < all.length; i++) expect(all[i - 1]!.score).toBeGreaterThanOrEqual(all[i]!.score);
      const above = await store.search(A, {
        vectorName: 'clip_global',
        vector: q,
        limit: 8,
        scoreThreshold: 0.5,
      });
      expect(above.map((x) => x.id)).toEqual(all.filter((x) => x.score >= 0.5).map((x) => x.id));
      expect(above.length).toBe(3);
      const second = await store.search(A, { vectorName: 'clip_global', vector: q, limit: 2, offset: 2 });
      expect(second.map((x) => x.id)).toEqual(all.slice(2, 4).map((x) => x.id));
      const bare = await store.search(A, {
        vectorName: 'clip_global',
        vector: q,
        limit: 1,
        withPayload: false,
      });
      expect(bare[0]!.payload).toBeUndefined();
      // A field list returns those fields and the rest at their zero values.
      const [full] = await store.search(A, { vectorName: 'clip_global', vector: q, limit: 1 });
      const [narrow] = await store.search(A, {
        vectorName: 'clip_global',
        vector: q,
        limit: 1,
        withPayload: ['imageId', 'key', 'tags'],
      });
      expect(narrow!.id).toBe(full!.id);
      expect(narrow!.score).toBeCloseTo(full!.score, 6);
      expect(narrow!.payload).toEqual({
        ...fromStoredPayload({}),
        imageId: full!.payload!.imageId,
        key: full!.payload!.key,
        tags: full!.payload!.tags,
      });
      expect(full!.payload!.sha256).not.toBe('');
      await expect(
        store.search(A, {
          vectorName: 'clip_global',
          vector: q,
          limit: 1,
          withPayload: ['imageId', 'owner_user_id' as 'imageId'],
        }),
      ).rejects.toMatchObject({ code: 'invalid_argument' });
      await expect(
        store.search(A, { vectorName: 'clip_global', vector: vec(0).slice(1), limit: 1 }),
      ).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      await expect(
        store.search(A, { vectorName: 'clip_global', vector: new Array(DIM).fill(0), limit: 1 }),
      ).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      await expect(store.search(A, { vectorName: 'nope_global', vector: q, limit: 1 })).rejects.toMatchObject(
        { code: 'invalid_argument' },
      );
    });

    it('orders equal scores by point id, on every page', async () => {
      const same = Array.from({ length: 6 }, (_, n) => point(payload(A, 20 + n), vec(6)));
      const created = (await store.upsert(A, same)).sort();
      const first = await store.search(A, { vectorName: 'clip_global', vector: vec(6), limit: 3 });
      const rest = await store.search(A, { vectorName: 'clip_global', vector: vec(6), limit: 3, offset: 3 });
      expect([...first, ...rest].map((x) => x.id)).toEqual(created);
    });

    it('answers batch searches in request order', async () => {
      await seed(store);
      const [r0, r1] = await store.batchSearch(A, [
        { vectorName: 'clip_global', vector: vec(2), limit: 1 },
        { vectorName: 'clip_global', vector: vec(4), limit: 1, filter: { tagsAny: ['pet'] } },
      ]);
      expect(r0!.map((x) => x.id)).toEqual([pointIdFor(A, sha(`${A}:4`))]);
      expect(r1!.map((x) => x.id)).toEqual([pointIdFor(A, sha(`${A}:6`))]);
    });

    it('deletes points and sets payload fields in place', async () => {
      await seed(store);
      const id1 = pointIdFor(A, sha(`${A}:1`));
      const id2 = pointIdFor(A, sha(`${A}:2`));
      await store.delete(A, [id1]);
      expect(await store.get(A, [id1, id2])).toHaveLength(1);
      expect(await store.count(A)).toBe(7);
      await store.setPayload(A, [id2], {
        tags: ["it's new", 'x'],
        anomalyScore: 0.99,
        qualityFlags: [],
        phash: 'abcdabcdabcdabcd',
      });
      const [p] = await store.get(A, [id2]);
      expect(p!.payload.tags).toEqual(["it's new", 'x']);
      expect(p!.payload.anomalyScore).toBeCloseTo(0.99, 6);
      expect(p!.payload.qualityFlags).toEqual([]);
      expect(await store.count(A, { minAnomaly: 0.98 })).toBe(1);
      expect(await store.count(A, { phashChunks: ['3:abcd'] })).toBe(1);
      await store.setPayload(A, [id2], { tags: [] });
      expect((await store.get(A, [id2]))[0]!.payload.tags).toEqual([]);
      await expect(store.setPayload(A, [id2], { ownerUserId: B } as never)).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      await expect(store.setPayload(A, [id2], { sha256: sha('z') } as never)).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    });

    it('scores crops by the best (query vector, crop) pair and merges query vectors by max', async () => {
      await seed(store);
      // Point 0 holds crops [e0, e3] and point 5 holds [e3, e0]: both match e3 exactly.
      const hits = await store.searchMulti(A, { vectorName: 'clip_crops', vectors: [vec(3)], limit: 3 });
      expect(hits[0]!.score).toBeCloseTo(1, 5);
      const exact = hits
        .filter((x) => x.score > 0.999)
        .map((x) => x.id)
        .sort();
      expect(exact).toEqual([pointIdFor(A, sha(`${A}:0`)), pointIdFor(A, sha(`${A}:5`))].sort());
      const merged = await store.searchMulti(A, {
        vectorName: 'clip_crops',
        vectors: [vec(6, 0.5), vec(5, 0.2)],
        limit: 8,
      });
      const top = merged[0]!;
      expect(top.id).toBe(pointIdFor(A, sha(`${A}:7`)));
      expect(top.score).toBeCloseTo(1, 5);
      const thresholded = await store.searchMulti(A, {
        vectorName: 'clip_crops',
        vectors: [vec(3)],
        limit: 8,
        scoreThreshold: 0.99,
      });
      expect(thresholded).toHaveLength(2);
      await expect(
        store.searchMulti(A, { vectorName: 'clip_global', vectors: [vec(3)], limit: 3 }),
      ).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    });

    it('finds each point\u2019s nearest other points in a neighbours sweep', async () => {
      const { a } = await seed(store);
      const all = await store.neighbours(A, { vectorName: 'clip_global', k: 2 });
      expect(all).toHaveLength(8);
      const id = (n: number) => pointIdFor(A, a[n]!.payload.sha256);
      const of0 = all.find((x) => x.id === id(0))!;
      expect(of0.neighbours.map((x) => x.id)).toEqual([id(1), id(2)]);
      expect(of0.neighbours[0]!.score).toBeCloseTo(cosine(a[0]!.vector, a[1]!.vector), 5);
      expect(all.every((x) => x.neighbours.every((nb) => nb.id !== x.id))).toBe(true);
      const some = await store.neighbours(A, {
        vectorName: 'clip_global',
        ids: [id(2)],
        k: 1,
        filter: { tagsAny: ['pet'] },
      });
      expect(some).toEqual([{ id: id(2), neighbours: [expect.objectContaining({ id: id(1) })] }]);
      const near = await store.neighbours(A, {
        vectorName: 'clip_global',
        ids: [id(0)],
        k: 5,
        scoreThreshold: 0.9,
      });
      expect(near[0]!.neighbours.map((x) => x.id)).toEqual([id(1)]);
    });

    it('scrolls every point once, by id or by a payload order, with an opaque cursor', async () => {
      await seed(store);
      const seen: StoredPoint[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.scroll(A, { limit: 3, cursor });
        seen.push(...page.points);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.map((p) => p.id)).toEqual(idsOf(A, fixtures(A)));
      const newest: StoredPoint[] = [];
      cursor = undefined;
      do {
        const page = await store.scroll(A, {
          limit: 3,
          cursor,
          orderBy: { field: 'created_at', direction: 'desc' },
        });
        newest.push(...page.points);
        cursor = page.nextCursor;
      } while (cursor);
      expect(newest.map((p) => p.payload.createdAt)).toEqual(
        fixtures(A)
          .map((f) => f.payload.createdAt)
          .reverse(),
      );
      const byQuality = await store.scroll(A, {
        limit: 8,
        orderBy: { field: 'quality_score', direction: 'asc' },
      });
      const q = byQuality.points.map((p) => p.payload.qualityScore);
      expect(q).toEqual([...q].sort((x, y) => x - y));
      // A narrow page keeps its order and cursor though the order field is not among the fields.
      const narrowPages: StoredPoint[] = [];
      cursor = undefined;
      do {
        const page = await store.scroll(A, {
          limit: 3,
          cursor,
          orderBy: { field: 'quality_score', direction: 'asc' },
          withPayload: ['imageId'],
        });
        narrowPages.push(...page.points);
        cursor = page.nextCursor;
      } while (cursor);
      expect(narrowPages.slice(0, 8).map((p) => p.id)).toEqual(byQuality.points.map((p) => p.id));
      expect(narrowPages.slice(0, 8).map((p) => p.payload.imageId)).toEqual(
        byQuality.points.map((p) => p.payload.imageId),
      );
      expect(narrowPages.every((p) => p.payload.qualityScore === 0 && p.payload.sha256 === '')).toBe(true);
      await expect(store.scroll(A, { limit: 3, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
      const idCursor = (await store.scroll(A, { limit: 3 })).nextCursor;
      await expect(
        store.scroll(A, { limit: 3, cursor: idCursor, orderBy: { field: 'created_at', direction: 'asc' } }),
      ).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    });

    it('pages through equal order values without repeating or losing points', async () => {
      const when = '2025-06-01T00:00:00.000Z';
      await store.upsert(
        A,
        Array.from({ length: 7 }, (_, n) => point(payload(A, 40 + n, { createdAt: when }), vec(n))),
      );
      const got: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.scroll(A, {
          limit: 2,
          cursor,
          orderBy: { field: 'created_at', direction: 'desc' },
        });
        got.push(...page.points.map((p) => p.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect([...got].sort()).toEqual(
        Array.from({ length: 7 }, (_, n) => pointIdFor(A, payload(A, 40 + n).sha256)).sort(),
      );
    });

    it('keeps everything across a restart', async () => {
      if (!h.reopen) return;
      const { a } = await seed(store);
      store = await h.reopen();
      expect(await store.count(A)).toBe(8);
      expect((await store.describeCollection())?.models.map((m) => m.name)).toEqual(['clip']);
      const hits = await store.search(A, { vectorName: 'clip_global', vector: vec(4), limit: 1 });
      expect(hits[0]!.id).toBe(pointIdFor(A, a[6]!.payload.sha256));
      expect(hits[0]!.payload).toEqual({ ...a[6]!.payload });
    });
  });
}
