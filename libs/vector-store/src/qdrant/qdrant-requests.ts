import type { CollectionState } from '../core/collection-schema';
import type { StoredPayload } from '../core/payload.codec';
import type { NormalizedFilter } from '../filter/vector-filter';
import {
  namedVectorsOf,
  type NamedVectorDescription,
  type OrderField,
  type PayloadIndexSpec,
  type QuantizationSpec,
} from '../vector-store.port';

/*
 * Pure builders of Qdrant REST request bodies (OpenAPI 1.19 component names in the comments).
 * The adapter sends exactly what these return, and the tests validate each of them against
 * Qdrant's own OpenAPI document.
 */

export type QdrantCondition = Record<string, unknown>;

export interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}

const match = (key: string, value: string): QdrantCondition => ({ key, match: { value } });
const matchAny = (key: string, values: readonly string[]): QdrantCondition => ({
  key,
  match: { any: [...values] },
});

/**
 * `Filter`: the owner condition is always the first `must` clause, and caller conditions are
 * only ever added beside it (AND), so no filter shape can reach another tenant.
 */
export function buildFilter(
  owner: string,
  f: NormalizedFilter,
  extra: { mustNotIds?: readonly string[] } = {},
): QdrantFilter {
  const must: QdrantCondition[] = [match('owner_user_id', owner)];
  const mustNot: QdrantCondition[] = [];
  if (f.tagsAny.length > 0) must.push(matchAny('tags', f.tagsAny));
  for (const tag of f.tagsAll) must.push(match('tags', tag));
  if (f.createdFromMs !== undefined || f.createdToMs !== undefined) {
    const range: Record<string, string> = {};
    if (f.createdFromMs !== undefined) range.gte = new Date(f.createdFromMs).toISOString();
    if (f.createdToMs !== undefined) range.lt = new Date(f.createdToMs).toISOString();
    must.push({ key: 'created_at', range });
  }
  if (f.minQuality !== undefined) must.push({ key: 'quality_score', range: { gte: f.minQuality } });
  if (f.maxNsfw !== undefined) must.push({ key: 'nsfw_score', range: { lte: f.maxNsfw } });
  if (f.minAnomaly !== undefined) must.push({ key: 'anomaly_score', range: { gte: f.minAnomaly } });
  for (const flag of f.flagsAll) must.push(match('quality_flags', flag));
  if (f.flagsNone.length > 0) mustNot.push(matchAny('quality_flags', f.flagsNone));
  if (f.sources.length > 0) must.push(matchAny('source', f.sources));
  if (f.sha256 !== undefined) must.push(match('sha256', f.sha256));
  if (f.imageIds.length > 0) must.push(matchAny('image_id', f.imageIds));
  if (f.ids.length > 0) must.push({ has_id: [...f.ids] });
  if (f.phashChunks.length > 0) must.push(matchAny('phash_chunks', f.phashChunks));
  if (extra.mustNotIds && extra.mustNotIds.length > 0)
    mustNot.push({ has_id: [...new Set(extra.mustNotIds)] });
  return mustNot.length > 0 ? { must, must_not: mustNot } : { must };
}

/** What the collection records about itself in Qdrant's collection `metadata`. */
export interface LookalikeCollectionMetadata {
  lookalike: CollectionState;
}

export function buildQuantizationConfig(q: QuantizationSpec): Record<string, unknown> | null {
  switch (q.kind) {
    case 'scalar':
      return { scalar: { type: 'int8', quantile: 0.99, always_ram: true } };
    case 'product':
      return { product: { compression: 'x16', always_ram: true } };
    case 'binary':
      return { binary: { always_ram: true } };
    default:
      return null;
  }
}

function vectorParams(v: NamedVectorDescription, state: CollectionState): Record<string, unknown> {
  if (v.kind === 'crops') {
    // Crops are many vectors per point: kept on disk, compared by MaxSim.
    return {
      size: v.dimension,
      distance: v.distance,
      multivector_config: { comparator: 'max_sim' },
      on_disk: true,
    };
  }
  return {
    size: v.dimension,
    distance: v.distance,
    hnsw_config: { m: state.hnsw.m, ef_construct: state.hnsw.efConstruct },
  };
}

/** `CreateCollection` for PUT /collections/{name}. */
export function buildCreateCollectionRequest(state: CollectionState): Record<string, unknown> {
  const vectors: Record<string, unknown> = {};
  for (const v of namedVectorsOf(state.models)) vectors[v.name] = vectorParams(v, state);
  const body: Record<string, unknown> = {
    vectors,
    hnsw_config: { m: state.hnsw.m, ef_construct: state.hnsw.efConstruct },
    on_disk_payload: true,
    metadata: { lookalike: state } satisfies LookalikeCollectionMetadata,
  };
  const quantization = buildQuantizationConfig(state.quantization);
  if (quantization) body.quantization_config = quantization;
  return body;
}

/** `VectorNameConfig` for PUT /collections/{name}/vectors/{vector}: a model added for re-indexing. */
export function buildCreateVectorRequest(v: NamedVectorDescription): Record<string, unknown> {
  const dense: Record<string, unknown> = { size: v.dimension, distance: v.distance };
  if (v.kind === 'crops') dense.multivector_config = { comparator: 'max_sim' };
  return { dense };
}

/** `UpdateCollection` for PATCH /collections/{name}: records the models it now holds. */
export function buildUpdateMetadataRequest(state: CollectionState): Record<string, unknown> {
  return { metadata: { lookalike: state } satisfies LookalikeCollectionMetadata };
}

/** `CreateFieldIndex` for PUT /collections/{name}/index. */
export function buildCreateFieldIndexRequest(index: PayloadIndexSpec): Record<string, unknown> {
  switch (index.kind) {
    case 'tenant':
      return { field_name: index.field, field_schema: { type: 'keyword', is_tenant: true } };
    case 'keyword':
      return { field_name: index.field, field_schema: 'keyword' };
    case 'datetime':
      return { field_name: index.field, field_schema: 'datetime' };
    case 'float':
      return { field_name: index.field, field_schema: 'float' };
    case 'integer':
      return { field_name: index.field, field_schema: 'integer' };
  }
}

export interface QdrantPointInput {
  id: string;
  payload: StoredPayload;
  vectors: Map<string, Float32Array>;
  multivectors: Map<string, Float32Array[]>;
}

function vectorStruct(
  vectors: Map<string, Float32Array>,
  multivectors: Map<string, Float32Array[]>,
): Record<string, number[] | number[][]> {
  const out: Record<string, number[] | number[][]> = {};
  for (const [name, v] of vectors) out[name] = Array.from(v);
  for (const [name, crops] of multivectors) out[name] = crops.map((c) => Array.from(c));
  return out;
}

/**
 * `PointsList` for PUT /collections/{name}/points. `update_filter` keeps an upsert from
 * overwriting a point that belongs to another tenant.
 */
export function buildUpsertRequest(
  owner: string,
  points: readonly QdrantPointInput[],
): Record<string, unknown> {
  return {
    points: points.map((p) => ({
      id: p.id,
      vector: vectorStruct(p.vectors, p.multivectors),
      payload: { ...p.payload },
    })),
    update_filter: { must: [match('owner_user_id', owner)] },
  };
}

/** `UpdateVectors` for PUT /collections/{name}/points/vectors. */
export function buildUpdateVectorsRequest(
  owner: string,
  updates: readonly {
    id: string;
    vectors: Map<string, Float32Array>;
    multivectors: Map<string, Float32Array[]>;
  }[],
): Record<string, unknown> {
  return {
    points: updates.map((u) => ({ id: u.id, vector: vectorStruct(u.vectors, u.multivectors) })),
    update_filter: { must: [match('owner_user_id', owner)] },
  };
}

/** `FilterSelector` for POST /collections/{name}/points/delete (ids AND owner). */
export function buildDeleteRequest(owner: string, ids: readonly string[]): Record<string, unknown> {
  return { filter: { must: [match('owner_user_id', owner), { has_id: [...ids] }] } };
}

/** `SetPayload` for POST /collections/{name}/points/payload, selected by filter (ids AND owner). */
export function buildSetPayloadRequest(
  owner: string,
  ids: readonly string[],
  patch: Partial<StoredPayload>,
): Record<string, unknown> {
  return { payload: { ...patch }, filter: { must: [match('owner_user_id', owner), { has_id: [...ids] }] } };
}

export type WithVector = boolean | readonly string[] | undefined;

function withVector(v: WithVector): boolean | string[] {
  return v === true ? true : Array.isArray(v) ? [...v] : false;
}

export interface QueryOptions {
  owner: string;
  vectorName: string;
  /** A dense vector, a multivector (crop query), or a point id (query by example). */
  query: number[] | number[][] | string;
  filter: NormalizedFilter;
  limit: number;
  scoreThreshold?: number;
  ef?: number;
  exact?: boolean;
  /** true, false, or the stored field names to return (Qdrant's payload include list). */
  withPayload: boolean | readonly string[];
  quantization: QuantizationSpec;
  mustNotIds?: readonly string[];
}

/**
 * `QueryRequest` for POST /collections/{name}/points/query. The adapter asks for offset+limit
 * hits from offset 0 and pages them itself, so ties are ordered by id on every page.
 */
export function buildQueryRequest(o: QueryOptions): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (o.ef !== undefined) params.hnsw_ef = o.ef;
  if (o.exact) params.exact = true;
  if (o.quantization.kind !== 'none') {
    params.quantization = {
      rescore: o.quantization.rescore !== false,
      oversampling: o.quantization.oversampling ?? 2,
    };
  }
  const body: Record<string, unknown> = {
    query: o.query,
    using: o.vectorName,
    filter: buildFilter(o.owner, o.filter, { mustNotIds: o.mustNotIds }),
    limit: o.limit,
    with_payload: typeof o.withPayload === 'boolean' ? o.withPayload : [...o.withPayload],
    with_vector: false,
  };
  if (Object.keys(params).length > 0) body.params = params;
  if (o.scoreThreshold !== undefined) body.score_threshold = o.scoreThreshold;
  return body;
}

/** `QueryRequestBatch` for POST /collections/{name}/points/query/batch. */
export function buildQueryBatchRequest(queries: readonly QueryOptions[]): Record<string, unknown> {
  return { searches: queries.map(buildQueryRequest) };
}

export interface ScrollOptions {
  owner: string;
  filter: NormalizedFilter;
  limit: number;
  withVector: WithVector;
  withPayload?: boolean | readonly string[];
  /** Id order: the last id already returned (the page starts after it). */
  afterId?: string;
  orderBy?: { field: OrderField; direction: 'asc' | 'desc'; startFrom?: number; seen?: readonly string[] };
}

/** `ScrollRequest` for POST /collections/{name}/points/scroll. */
export function buildScrollRequest(o: ScrollOptions): Record<string, unknown> {
  const mustNotIds = o.orderBy ? (o.orderBy.seen ?? []) : o.afterId ? [o.afterId] : [];
  const body: Record<string, unknown> = {
    filter: buildFilter(o.owner, o.filter, { mustNotIds }),
    limit: o.limit,
    with_payload:
      o.withPayload === undefined || typeof o.withPayload === 'boolean'
        ? (o.withPayload ?? true)
        : [...o.withPayload],
    with_vector: withVector(o.withVector),
  };
  if (o.orderBy) {
    const order: Record<string, unknown> = { key: o.orderBy.field, direction: o.orderBy.direction };
    if (o.orderBy.startFrom !== undefined) {
      order.start_from =
        o.orderBy.field === 'created_at' ? new Date(o.orderBy.startFrom).toISOString() : o.orderBy.startFrom;
    }
    body.order_by = order;
  } else if (o.afterId) {
    // `offset` is inclusive; the must_not above drops the id the previous page ended on.
    body.offset = o.afterId;
  }
  return body;
}

/** `CountRequest` for POST /collections/{name}/points/count. */
export function buildCountRequest(owner: string, filter: NormalizedFilter): Record<string, unknown> {
  return { filter: buildFilter(owner, filter), exact: true };
}
