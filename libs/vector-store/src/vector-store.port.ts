import type { ImagePayload } from '@lookalike/contracts';
import type { VectorFilter } from './filter/vector-filter';

/**
 * The payload stored beside the vectors is the wire shape of the contracts, so services
 * never translate it. Adapters store it under the snake_case names of DESIGN.md section 3
 * and add the derived `phash_chunks` keyword list themselves.
 */
export type PointPayload = ImagePayload;

/** A payload field by its contract (camelCase) name. */
export type PayloadField = keyof PointPayload;

/**
 * Which payload a read returns: true (the default) the whole payload, false none, or a list of
 * fields: only those are read (an engine reads fewer columns) and the others come back at their
 * zero values ('' / 0 / []), so a hit's payload keeps its shape.
 */
export type PayloadSelector = boolean | readonly PayloadField[];

/** Fields that identify a point; `setPayload` refuses to change them. */
export const IDENTITY_FIELDS = ['imageId', 'ownerUserId', 'sha256'] as const;

/** Fields a caller may change in place (tags from the console, scores from QA jobs). */
export type PayloadPatch = Partial<Omit<PointPayload, (typeof IDENTITY_FIELDS)[number]>>;

/** A float vector as callers hold it; adapters L2-normalise it before storing (Cosine). */
export type VectorInput = Float32Array | readonly number[];

export type Distance = 'Cosine';

export type QuantizationKind = 'none' | 'scalar' | 'product' | 'binary';

export interface QuantizationSpec {
  kind: QuantizationKind;
  /** Re-score the quantized candidates with the original vectors. Default true. */
  rescore?: boolean;
  /** Candidates fetched per requested hit before rescoring (>= 1). Default 2. */
  oversampling?: number;
}

export interface HnswSpec {
  m: number;
  efConstruct: number;
}

/** An embedding model whose vectors the collection holds. */
export interface ModelSpec {
  /** Short model name used in vector names: `clip` gives `clip_global` and `clip_crops`. */
  name: string;
  version: string;
  dimension: number;
  /** Whether the collection keeps a crop multivector `<name>_crops` for this model. */
  crops: boolean;
}

export type PayloadIndexKind = 'keyword' | 'tenant' | 'datetime' | 'float' | 'integer';

export interface PayloadIndexSpec {
  /** Stored (snake_case) field name, e.g. `owner_user_id`, `phash_chunks`. */
  field: string;
  kind: PayloadIndexKind;
}

export interface CollectionSpec {
  models: readonly ModelSpec[];
  distance?: Distance;
  hnsw?: HnswSpec;
  payloadIndexes?: readonly PayloadIndexSpec[];
  quantization?: QuantizationSpec;
}

export interface NamedVectorDescription {
  name: string;
  model: string;
  kind: 'global' | 'crops';
  dimension: number;
  distance: Distance;
}

export interface CollectionDescription {
  name: string;
  vectors: NamedVectorDescription[];
  models: ModelSpec[];
  pointsCount: number;
  hnsw: HnswSpec;
  quantization: QuantizationSpec;
  /** Adapter-specific facts worth showing to an operator (index type, indexed rows). */
  engine: Record<string, string | number | boolean>;
}

export interface UpsertPoint {
  payload: PointPayload;
  /** Global vectors by vector name (`clip_global`). */
  vectors: Readonly<Record<string, VectorInput>>;
  /** Crop multivectors by vector name (`clip_crops`); each entry is one crop's vector. */
  multivectors?: Readonly<Record<string, readonly VectorInput[]>>;
}

export interface VectorUpdate {
  id: string;
  vectors?: Readonly<Record<string, VectorInput>>;
  multivectors?: Readonly<Record<string, readonly VectorInput[]>>;
}

export interface WriteOptions {
  /** Resolve only once the write is visible to reads (read-after-write). Default true. */
  wait?: boolean;
}

export interface StoredPoint {
  id: string;
  payload: PointPayload;
  vectors?: Record<string, Float32Array>;
  multivectors?: Record<string, Float32Array[]>;
}

export interface GetOptions {
  /** true for every named vector, or the names to return. Default false. */
  withVectors?: boolean | readonly string[];
}

export interface SearchRequest {
  vectorName: string;
  vector: VectorInput;
  filter?: VectorFilter;
  limit: number;
  offset?: number;
  /** Minimum cosine similarity (inclusive). */
  scoreThreshold?: number;
  /** Search breadth of the ANN index for this query; higher is slower and more exact. */
  ef?: number;
  /** Bypass the ANN index and scan exactly. */
  exact?: boolean;
  /** Default true (the whole payload); a field list reads only those fields. */
  withPayload?: PayloadSelector;
}

export interface MultiSearchRequest extends Omit<SearchRequest, 'vector'> {
  /** A crop multivector name (`clip_crops`). */
  vectorName: string;
  /**
   * Query vectors (the query image's crops, its global vector, or both). A point scores the
   * best cosine between any query vector and any of its stored crops.
   */
  vectors: readonly VectorInput[];
}

export interface SearchHit {
  id: string;
  /** Cosine similarity in [-1, 1]; hits are ordered by score descending, then id ascending. */
  score: number;
  payload?: PointPayload;
}

export type OrderField = 'created_at' | 'quality_score' | 'nsfw_score' | 'anomaly_score';

export interface ScrollRequest {
  filter?: VectorFilter;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string;
  limit: number;
  /** Default: by point id ascending. */
  orderBy?: { field: OrderField; direction: 'asc' | 'desc' };
  withVectors?: boolean | readonly string[];
  /** Default true; a field list reads only those fields, false none (every field at its zero value). */
  withPayload?: PayloadSelector;
}

export interface ScrollPage {
  points: StoredPoint[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface NeighboursRequest {
  vectorName: string;
  /** Source points; every point of the owner (matching `filter`) when absent. */
  ids?: readonly string[];
  k: number;
  /** Restricts both the sources (when `ids` is absent) and the candidates. */
  filter?: VectorFilter;
  scoreThreshold?: number;
  ef?: number;
  exact?: boolean;
}

export interface PointNeighbours {
  id: string;
  /** The k nearest other points (the source itself excluded), without payload. */
  neighbours: SearchHit[];
}

/**
 * The vector index of one collection. `owner` (the tenant) is a required argument of every
 * data call: adapters always add it as a condition of their own, so no caller-supplied
 * filter can widen a call to another tenant's points.
 */
export interface VectorStore {
  /** Creates the collection or adds the named vectors of models it does not hold yet. */
  ensureCollection(spec: CollectionSpec): Promise<CollectionDescription>;
  /** null when the collection does not exist. */
  describeCollection(): Promise<CollectionDescription | null>;

  /** Point ids are `pointIdFor(owner, payload.sha256)`; a replay overwrites. Returns the ids. */
  upsert(owner: string, points: readonly UpsertPoint[], options?: WriteOptions): Promise<string[]>;
  /** Fills or replaces named vectors of existing points, keeping the others (re-index). */
  updateVectors(owner: string, updates: readonly VectorUpdate[], options?: WriteOptions): Promise<void>;
  delete(owner: string, ids: readonly string[], options?: WriteOptions): Promise<void>;
  /** Points in the order of `ids`; unknown ids (or another tenant's) are left out. */
  get(owner: string, ids: readonly string[], options?: GetOptions): Promise<StoredPoint[]>;
  setPayload(
    owner: string,
    ids: readonly string[],
    patch: PayloadPatch,
    options?: WriteOptions,
  ): Promise<void>;

  search(owner: string, request: SearchRequest): Promise<SearchHit[]>;
  searchMulti(owner: string, request: MultiSearchRequest): Promise<SearchHit[]>;
  batchSearch(owner: string, requests: readonly SearchRequest[]): Promise<SearchHit[][]>;
  scroll(owner: string, request: ScrollRequest): Promise<ScrollPage>;
  count(owner: string, filter?: VectorFilter): Promise<number>;
  neighbours(owner: string, request: NeighboursRequest): Promise<PointNeighbours[]>;

  close(): Promise<void>;
}

export const DEFAULT_COLLECTION = 'images';
export const DEFAULT_HNSW: HnswSpec = { m: 16, efConstruct: 200 };
export const NO_QUANTIZATION: QuantizationSpec = { kind: 'none' };

/** The payload indexes of DESIGN.md section 3. */
export const DEFAULT_PAYLOAD_INDEXES: readonly PayloadIndexSpec[] = [
  { field: 'owner_user_id', kind: 'tenant' },
  { field: 'tags', kind: 'keyword' },
  { field: 'created_at', kind: 'datetime' },
  { field: 'quality_score', kind: 'float' },
  { field: 'nsfw_score', kind: 'float' },
  { field: 'anomaly_score', kind: 'float' },
  { field: 'sha256', kind: 'keyword' },
  { field: 'phash_chunks', kind: 'keyword' },
  { field: 'image_id', kind: 'keyword' },
  { field: 'quality_flags', kind: 'keyword' },
  { field: 'source', kind: 'keyword' },
];

export function globalVectorName(model: string): string {
  return `${model}_global`;
}

export function cropsVectorName(model: string): string {
  return `${model}_crops`;
}

/** The named vectors a spec implies, in a stable order. */
export function namedVectorsOf(
  models: readonly ModelSpec[],
  distance: Distance = 'Cosine',
): NamedVectorDescription[] {
  const out: NamedVectorDescription[] = [];
  for (const model of models) {
    out.push({
      name: globalVectorName(model.name),
      model: model.name,
      kind: 'global',
      dimension: model.dimension,
      distance,
    });
    if (model.crops) {
      out.push({
        name: cropsVectorName(model.name),
        model: model.name,
        kind: 'crops',
        dimension: model.dimension,
        distance,
      });
    }
  }
  return out;
}
