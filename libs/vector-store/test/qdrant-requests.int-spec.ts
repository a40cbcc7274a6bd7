import {
  buildFilter,
  buildQueryRequest,
  normalizeFilter,
  phashChunks,
  pointIdFor,
  QdrantClientTransport,
  QdrantVectorStore,
  type QdrantApiMethod,
  type QdrantCall,
  type QdrantOperationId,
  type QuantizationSpec,
  type VectorFilter,
} from '../src';
import { QdrantOpenApi, SchemaCheckingTransport } from './qdrant-openapi';
import { DIM, payload, SPEC, sha, vec } from './vector-store.contract';

const api = new QdrantOpenApi();
const A = 'owner-a';

/** One filter per field of the language, a combination, and strings that look like injection. */
const FILTER_SHAPES: [string, VectorFilter][] = [
  ['none', {}],
  ['tagsAny', { tagsAny: ['cat', 'dog'] }],
  ['tagsAll', { tagsAll: ['pet', 'dog'] }],
  ['createdFrom', { createdFrom: '2025-01-04T12:00:00Z' }],
  ['createdTo', { createdTo: '2025-01-04T12:00:00+02:00' }],
  ['created range', { createdFrom: '2025-01-02T00:00:00Z', createdTo: '2025-01-05T00:00:00Z' }],
  ['minQuality', { minQuality: 0.7 }],
  ['maxNsfw', { maxNsfw: 0.5 }],
  ['minAnomaly', { minAnomaly: 0.95 }],
  ['flagsAll', { flagsAll: ['blurry', 'dark'] }],
  ['flagsNone', { flagsNone: ['grayscale'] }],
  ['sources', { sources: ['api', 'batch'] }],
  ['sha256', { sha256: sha('x') }],
  ['imageIds', { imageIds: ['01J0000000000000000000000001'] }],
  ['ids', { ids: [pointIdFor(A, sha('y'))] }],
  ['phashChunks', { phashChunks: phashChunks('0123456789abcdef') }],
  ['injection-looking strings', { tagsAny: ["a' OR '1'='1", '{"$ne":null}'], sources: ['x"; DROP'] }],
  [
    'everything at once',
    {
      tagsAny: ['a'],
      tagsAll: ['b', 'c'],
      createdFrom: '2024-01-01T00:00:00Z',
      createdTo: '2026-01-01T00:00:00Z',
      minQuality: 0.1,
      maxNsfw: 0.9,
      minAnomaly: 0.2,
      flagsAll: ['dark'],
      flagsNone: ['blurry', 'odd_size'],
      sources: ['upload'],
      sha256: sha('z'),
      imageIds: ['01J0000000000000000000000009'],
      ids: [pointIdFor(A, sha('w'))],
      phashChunks: ['0:ffff', '3:0000'],
    },
  ],
];

function stored(n: number) {
  const p = payload(A, n, { tags: ['cat'], phash: '0123456789abcdef' });
  return {
    image_id: p.imageId,
    owner_user_id: p.ownerUserId,
    bucket: p.bucket,
    key: p.key,
    sha256: p.sha256,
    phash: p.phash,
    phash_chunks: phashChunks(p.phash),
    width: p.width,
    height: p.height,
    format: p.format,
    source: p.source,
    tags: p.tags,
    created_at: p.createdAt,
    model_name: p.modelName,
    model_version: p.modelVersion,
    quality_score: p.qualityScore,
    quality_flags: p.qualityFlags,
    nsfw_score: p.nsfwScore,
    anomaly_score: p.anomalyScore,
    size_bytes: p.sizeBytes,
  };
}

const idOf = (n: number) => pointIdFor(A, payload(A, n).sha256);
const updated = { operation_id: 1, status: 'completed' };

/** Answers like a Qdrant holding one collection, with canned points for reads. */
function fakeQdrant(
  scored: (call: QdrantCall) => { id: string; score: number; payload?: unknown }[] = () => [],
) {
  let metadata: unknown = null;
  let vectors: Record<string, unknown> = {};
  return (call: QdrantCall): unknown => {
    const body = (call.body ?? {}) as Record<string, unknown>;
    switch (call.operation) {
      case 'collection_exists':
        return { exists: metadata !== null };
      case 'create_collection':
        metadata = body.metadata;
        vectors = body.vectors as Record<string, unknown>;
        return true;
      case 'update_collection':
        metadata = body.metadata;
        return true;
      case 'create_vector_name':
        vectors[call.vectorName!] = (body as { dense: unknown }).dense;
        return updated;
      case 'get_collection':
        return {
          status: 'green',
          optimizer_status: 'ok',
          segments_count: 1,
          points_count: 3,
          indexed_vectors_count: 0,
          payload_schema: {},
          config: {
            params: { vectors },
            hnsw_config: { m: 16, ef_construct: 200, full_scan_threshold: 10000 },
            optimizer_config: { default_segment_number: 0, flush_interval_sec: 5 },
            metadata,
          },
        };
      case 'create_field_index':
      case 'upsert_points':
      case 'update_vectors':
      case 'delete_points':
      case 'set_payload':
        return updated;
      case 'count_points':
        return { count: 3 };
      case 'scroll_points': {
        const limit = body.limit as number;
        const points = [0, 1, 2].slice(0, limit).map((n) => ({ id: idOf(n), payload: stored(n) }));
        return { points, next_page_offset: null };
      }
      case 'query_points':
        return { points: scored(call).map((p) => ({ ...p, version: 1 })) };
      case 'query_batch_points':
        return (body.searches as unknown[]).map(() => ({
          points: scored(call).map((p) => ({ ...p, version: 1 })),
        }));
    }
  };
}

function harness(
  options: { quantization?: QuantizationSpec; scored?: Parameters<typeof fakeQdrant>[0] } = {},
) {
  const transport = new SchemaCheckingTransport(api, fakeQdrant(options.scored));
  const store = new QdrantVectorStore({
    url: 'http://127.0.0.1:6333',
    transport,
    quantization: options.quantization,
  });
  return { store, transport };
}

describe('Qdrant request bodies against the Qdrant 1.19 OpenAPI document', () => {
  it('the validator itself refuses bodies Qdrant would refuse', () => {
    expect(api.bodyErrors('query_points', { query: [0.1], using: 'clip_global', limit: 0 })).not.toEqual([]);
    expect(api.bodyErrors('query_points', { query: [0.1], filtre: {} })).not.toEqual([]);
    expect(api.bodyErrors('query_points', { query: [0.1], params: { hnsw_ef: -1 } })).not.toEqual([]);
    expect(
      api.bodyErrors('count_points', { filter: { must: [{ key: 'tags', match: { valu: 'x' } }] } }),
    ).not.toEqual([]);
    expect(api.bodyErrors('upsert_points', { points: [{ id: 'not-a-uuid', vector: {} }] })).not.toEqual([]);
    expect(api.bodyErrors('scroll_points', { filter: null, limit: 10, offset: null })).toEqual([]);
  });

  it.each([['none'], ['scalar'], ['product'], ['binary']] as const)(
    'creates the collection, its named vectors and payload indexes (quantization %s)',
    async (kind) => {
      const { store, transport } = harness({ quantization: { kind, rescore: true, oversampling: 3 } });
      const description = await store.ensureCollection(SPEC);
      expect(description.models.map((m) => m.name)).toEqual(['clip']);
      const create = transport.calls.find((c) => c.operation === 'create_collection')!;
      expect(create.method).toBe('PUT');
      expect(create.url).toBe('/collections/images');
      expect(create.body).toMatchObject({
        vectors: {
          clip_global: { size: DIM, distance: 'Cosine', hnsw_config: { m: 16, ef_construct: 200 } },
          clip_crops: {
            size: DIM,
            distance: 'Cosine',
            multivector_config: { comparator: 'max_sim' },
            on_disk: true,
          },
        },
      });
      expect(create.body!.quantization_config !== undefined).toBe(kind !== 'none');
      const indexes = transport.calls.filter((c) => c.operation === 'create_field_index').map((c) => c.body);
      expect(indexes).toContainEqual({
        field_name: 'owner_user_id',
        field_schema: { type: 'keyword', is_tenant: true },
      });
      expect(indexes).toContainEqual({ field_name: 'created_at', field_schema: 'datetime' });
      expect(indexes).toContainEqual({ field_name: 'phash_chunks', field_schema: 'keyword' });
      expect(indexes).toContainEqual({ field_name: 'anomaly_score', field_schema: 'float' });
      await store.ensureCollection({
        models: [...SPEC.models, { name: 'mobilenet', version: 'v2', dimension: 1280, crops: true }],
      });
      const added = transport.calls.filter((c) => c.operation === 'create_vector_name');
      expect(added.map((c) => c.url)).toEqual([
        '/collections/images/vectors/mobilenet_global',
        '/collections/images/vectors/mobilenet_crops',
      ]);
      expect(transport.calls.some((c) => c.operation === 'update_collection')).toBe(true);
      expect((await store.describeCollection())!.vectors.map((v) => v.name)).toContain('mobilenet_crops');
    },
  );

  it('builds valid bodies for every operation and every filter shape, and the owner always comes first', async () => {
    const { store, transport } = harness({
      quantization: { kind: 'scalar', rescore: true, oversampling: 2 },
      scored: () => [
        { id: idOf(1), score: 0.9, payload: stored(1) },
        { id: idOf(0), score: 0.9, payload: stored(0) },
      ],
    });
    await store.ensureCollection(SPEC);
    await store.upsert(A, [
      {
        payload: payload(A, 0, { tags: ["it's"] }),
        vectors: { clip_global: vec(0) },
        multivectors: { clip_crops: [vec(1), vec(2)] },
      },
      { payload: payload(A, 1), vectors: { clip_global: vec(1) } },
    ]);
    await store.updateVectors(A, [{ id: idOf(0), multivectors: { clip_crops: [vec(3)] } }]);
    await store.get(A, [idOf(0), idOf(1)]);
    await store.get(A, [idOf(0)], { withVectors: true });
    await store.get(A, [idOf(0)], { withVectors: ['clip_global'] });
    await store.setPayload(A, [idOf(0)], {
      tags: ['a', "b'c"],
      anomalyScore: 0.5,
      qualityFlags: [],
      phash: 'aaaabbbbccccdddd',
    });
    await store.setPayload(A, [idOf(0)], {
      createdAt: '2025-02-02T00:00:00Z',
      nsfwScore: 0.1,
      qualityScore: 0.2,
      source: 'api',
    });
    await store.delete(A, [idOf(1)], { wait: false });
    for (const [, filter] of FILTER_SHAPES) {
      await store.count(A, filter);
      await store.search(A, {
        vectorName: 'clip_global',
        vector: vec(0),
        filter,
        limit: 5,
        offset: 1,
        scoreThreshold: 0.2,
        ef: 256,
      });
      await store.search(A, {
        vectorName: 'clip_global',
        vector: vec(0),
        filter,
        limit: 5,
        exact: true,
        withPayload: false,
      });
      await store.search(A, {
        vectorName: 'clip_global',
        vector: vec(0),
        filter,
        limit: 5,
        withPayload: ['imageId', 'key', 'phash'],
      });
      await store.searchMulti(A, {
        vectorName: 'clip_crops',
        vectors: [vec(0), vec(1)],
        filter,
        limit: 5,
        ef: 64,
      });
      await store.batchSearch(A, [
        { vectorName: 'clip_global', vector: vec(0), filter, limit: 3 },
        { vectorName: 'clip_global', vector: vec(2), limit: 1 },
      ]);
      const page = await store.scroll(A, { filter, limit: 2 });
      await store.scroll(A, { filter, limit: 2, cursor: page.nextCursor, withVectors: true });
      for (const field of ['created_at', 'quality_score', 'nsfw_score', 'anomaly_score'] as const) {
        const ordered = await store.scroll(A, {
          filter,
          limit: 2,
          orderBy: { field, direction: 'desc' },
          withPayload: ['imageId'],
        });
        await store.scroll(A, {
          filter,
          limit: 2,
          orderBy: { field, direction: 'desc' },
          cursor: ordered.nextCursor,
        });
      }
      await store.neighbours(A, { vectorName: 'clip_global', k: 2, filter, scoreThreshold: 0.1 });
    }
    await store.neighbours(A, { vectorName: 'clip_global', ids: [idOf(0)], k: 3, ef: 128 });

    const used = new Set(transport.calls.map((c) => c.operation));
    const all: QdrantOperationId[] = [
      'collection_exists',
      'get_collection',
      'create_collection',
      'create_field_index',
      'upsert_points',
      'update_vectors',
      'delete_points',
      'set_payload',
      'scroll_points',
      'count_points',
      'query_points',
      'query_batch_points',
    ];
    for (const op of all) expect(used).toContain(op);

    const filters: unknown[] = [];
    for (const c of transport.calls) {
      const b = c.body as Record<string, unknown> | undefined;
      if (!b) continue;
      if (b.filter) filters.push(b.filter);
      if (b.update_filter) filters.push(b.update_filter);
      for (const s of (b.searches as { filter: unknown }[] | undefined) ?? []) filters.push(s.filter);
    }
    expect(filters.length).toBeGreaterThan(100);
    for (const f of filters)
      expect((f as { must: unknown[] }).must[0]).toEqual({ key: 'owner_user_id', match: { value: A } });
    const upsert = transport.calls.find((c) => c.operation === 'upsert_points')!;
    expect(upsert.wait).toBe(true);
    expect(
      (upsert.body as { points: { payload: { phash_chunks: string[] } }[] }).points[1]!.payload.phash_chunks,
    ).toEqual(phashChunks('ffff0000ffff0000'));
    const query = transport.calls.find((c) => c.operation === 'query_points')!.body!;
    expect(query).toMatchObject({
      using: 'clip_global',
      params: { hnsw_ef: 256, quantization: { rescore: true, oversampling: 2 } },
    });
  });

  it('maps scored points back to hits, ordered by score then id, and pages them', async () => {
    const { store } = harness({
      scored: () => [
        { id: idOf(2), score: 0.5, payload: stored(2) },
        { id: idOf(1), score: 0.9, payload: stored(1) },
        { id: idOf(0), score: 0.9, payload: stored(0) },
      ],
    });
    await store.ensureCollection(SPEC);
    const hits = await store.search(A, { vectorName: 'clip_global', vector: vec(0), limit: 3 });
    const tied = [idOf(0), idOf(1)].sort();
    expect(hits.map((h) => h.id)).toEqual([...tied, idOf(2)]);
    expect(hits[2]!.payload).toEqual(payload(A, 2, { tags: ['cat'], phash: '0123456789abcdef' }));
    const second = await store.search(A, { vectorName: 'clip_global', vector: vec(0), limit: 1, offset: 1 });
    expect(second.map((h) => h.id)).toEqual([tied[1]]);
  });

  it('keeps the owner as a separate AND condition that no filter shape can replace', () => {
    for (const [, filter] of FILTER_SHAPES) {
      const built = buildFilter(A, normalizeFilter(filter));
      expect(built.must![0]).toEqual({ key: 'owner_user_id', match: { value: A } });
      expect(built.should).toBeUndefined();
      expect(api.bodyErrors('count_points', { filter: built, exact: true })).toEqual([]);
    }
    const nasty = buildFilter("o' OR '1'='1", normalizeFilter({ tagsAny: ["a' OR '1'='1"] }));
    expect(nasty.must).toEqual([
      { key: 'owner_user_id', match: { value: "o' OR '1'='1" } },
      { key: 'tags', match: { any: ["a' OR '1'='1"] } },
    ]);
    const all = buildFilter(A, normalizeFilter(FILTER_SHAPES[FILTER_SHAPES.length - 1]![1]));
    expect(all.must).toContainEqual({
      key: 'created_at',
      range: { gte: '2024-01-01T00:00:00.000Z', lt: '2026-01-01T00:00:00.000Z' },
    });
    expect(all.must).toContainEqual({ key: 'tags', match: { value: 'b' } });
    expect(all.must).toContainEqual({ key: 'tags', match: { value: 'c' } });
    expect(all.must_not).toEqual([{ key: 'quality_flags', match: { any: ['blurry', 'odd_size'] } }]);
  });

  it('queries a crop multivector with a one-vector multivector and by point id for neighbours', () => {
    const base = {
      owner: A,
      vectorName: 'clip_crops',
      filter: normalizeFilter({}),
      limit: 5,
      withPayload: true,
      quantization: { kind: 'none' } as const,
    };
    const multi = buildQueryRequest({ ...base, query: [vec(1)] });
    expect(multi.query).toEqual([vec(1)]);
    expect(api.bodyErrors('query_points', multi)).toEqual([]);
    const byId = buildQueryRequest({
      ...base,
      vectorName: 'clip_global',
      query: idOf(1),
      mustNotIds: [idOf(1)],
    });
    expect(byId.filter).toMatchObject({ must_not: [{ has_id: [idOf(1)] }] });
    expect(api.bodyErrors('query_points', byId)).toEqual([]);
  });
});

describe('QdrantClientTransport', () => {
  const call: QdrantCall = {
    operation: 'upsert_points',
    collection: 'images',
    wait: true,
    body: { points: [] },
  };
  const ok = { data: { result: { status: 'completed' } } };

  it('passes path, query and body parameters to the generated client and returns the result', async () => {
    const seen: Record<string, unknown>[] = [];
    const t = new QdrantClientTransport(
      { url: 'http://x' },
      { upsertPoints: async (args) => (seen.push(args), ok) },
    );
    await expect(t.call(call)).resolves.toEqual({ status: 'completed' });
    expect(seen).toEqual([{ collection_name: 'images', wait: true, points: [] }]);
  });

  it('retries overload and network failures with backoff, then succeeds', async () => {
    let attempts = 0;
    const flaky: QdrantApiMethod = async () => {
      attempts++;
      if (attempts === 1) throw Object.assign(new Error('Service Unavailable'), { status: 503 });
      if (attempts === 2) throw new TypeError('fetch failed');
      return ok;
    };
    const t = new QdrantClientTransport(
      { url: 'http://x', retry: { baseDelayMs: 1, maxDelayMs: 2 } },
      { upsertPoints: flaky },
    );
    await expect(t.call(call)).resolves.toEqual({ status: 'completed' });
    expect(attempts).toBe(3);
  });

  it('does not retry a rejected request and maps statuses to typed errors', async () => {
    let attempts = 0;
    const bad =
      (status: number): QdrantApiMethod =>
      async () => {
        attempts++;
        throw Object.assign(new Error('x'), { status, data: { status: { error: `status ${status}` } } });
      };
    const t = (status: number) =>
      new QdrantClientTransport(
        { url: 'http://x', retry: { baseDelayMs: 1 } },
        { upsertPoints: bad(status) },
      );
    await expect(t(400).call(call)).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('status 400'),
    });
    expect(attempts).toBe(1);
    await expect(t(404).call(call)).rejects.toMatchObject({ code: 'not_found' });
    await expect(t(409).call(call)).rejects.toMatchObject({ code: 'conflict' });
    attempts = 0;
    await expect(t(503).call(call)).rejects.toMatchObject({ code: 'unavailable', retryAfterSeconds: 1 });
    expect(attempts).toBe(4);
  });

  it('gives up on timeouts after the configured attempts with a timeout error', async () => {
    let attempts = 0;
    const slow: QdrantApiMethod = async () => {
      attempts++;
      throw Object.assign(new Error('aborted'), { name: 'QdrantClientTimeoutError' });
    };
    const t = new QdrantClientTransport(
      { url: 'http://x', retry: { attempts: 2, baseDelayMs: 1 } },
      { upsertPoints: slow },
    );
    await expect(t.call(call)).rejects.toMatchObject({ code: 'timeout' });
    expect(attempts).toBe(2);
  });
});
