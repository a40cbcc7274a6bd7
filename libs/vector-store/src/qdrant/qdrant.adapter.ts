import { LookalikeError } from '@lookalike/contracts';
import { checkSpec, mergeSpec, VectorLayout, type CollectionState } from '../core/collection-schema';
import { mergeMaxScore, pageHits, topWithTies } from '../core/hits';
import {
  checkPayloadSelector,
  fromStoredPayload,
  selectPayload,
  storedFieldsOf,
  toStoredPatch,
  toStoredPayload,
  type StoredPayload,
} from '../core/payload.codec';
import { pointIdFor } from '../core/point-id';
import {
  checkEf,
  checkIds,
  checkLimit,
  checkOffset,
  checkOrderBy,
  checkThreshold,
  decodeCursor,
  encodeCursor,
  orderSignature,
  requireOwner,
} from '../core/requests';
import { normalizeFilter, type VectorFilter } from '../filter/vector-filter';
import {
  DEFAULT_COLLECTION,
  DEFAULT_PAYLOAD_INDEXES,
  NO_QUANTIZATION,
  namedVectorsOf,
  type CollectionDescription,
  type CollectionSpec,
  type GetOptions,
  type MultiSearchRequest,
  type NeighboursRequest,
  type OrderField,
  type PayloadPatch,
  type PayloadSelector,
  type PointNeighbours,
  type QuantizationSpec,
  type ScrollPage,
  type ScrollRequest,
  type SearchHit,
  type SearchRequest,
  type StoredPoint,
  type UpsertPoint,
  type VectorStore,
  type VectorUpdate,
  type WriteOptions,
} from '../vector-store.port';
import {
  buildCountRequest,
  buildCreateCollectionRequest,
  buildCreateFieldIndexRequest,
  buildCreateVectorRequest,
  buildDeleteRequest,
  buildQueryBatchRequest,
  buildQueryRequest,
  buildScrollRequest,
  buildSetPayloadRequest,
  buildUpdateMetadataRequest,
  buildUpdateVectorsRequest,
  buildUpsertRequest,
  type LookalikeCollectionMetadata,
  type QueryOptions,
} from './qdrant-requests';
import {
  QdrantClientTransport,
  type QdrantCall,
  type QdrantRetryOptions,
  type QdrantTransport,
} from './qdrant.transport';

/**
 * Qdrant's `with_payload` for a selector: a boolean, or the stored names to include. A scroll
 * ordered by a field also reads that field: the next page's cursor starts from its value.
 */
function qdrantPayload(selector: PayloadSelector, orderField?: OrderField): boolean | string[] {
  if (typeof selector === 'boolean') return selector || (orderField ? [orderField] : false);
  const fields: string[] = storedFieldsOf(selector);
  return orderField && !fields.includes(orderField) ? [...fields, orderField] : fields;
}

export interface QdrantVectorStoreOptions {
  url: string;
  apiKey?: string;
  collection?: string;
  /** Per-request timeout in ms. Default 10000. */
  timeoutMs?: number;
  retry?: Partial<QdrantRetryOptions>;
  /** Quantization used when the collection is created (ENABLE_QUANTIZATION / QUANTIZATION). */
  quantization?: QuantizationSpec;
  /** Points per upsert request. Default 256. */
  upsertBatchSize?: number;
  /** Sources per batched query of a neighbours sweep. Default 64. */
  neighbourBatchSize?: number;
  /** Replaces the HTTP edge (tests record and validate the requests here). */
  transport?: QdrantTransport;
}

interface QdrantRecord {
  id: string | number;
  payload?: Record<string, unknown> | null;
  vector?: Record<string, number[] | number[][]> | number[] | null;
}

interface QdrantScoredPoint extends QdrantRecord {
  score: number;
}

interface QdrantCollectionInfo {
  points_count?: number | null;
  indexed_vectors_count?: number | null;
  status?: string;
  config: {
    params: { vectors?: Record<string, { size: number; distance: string; multivector_config?: unknown }> };
    metadata?: Partial<LookalikeCollectionMetadata> | null;
  };
}

/**
 * Qdrant adapter: collection `images` with one named vector per model (`<model>_global`) and a
 * MaxSim multivector for crops (`<model>_crops`); the owner is an `is_tenant` keyword index and
 * the first `must` condition of every request.
 */
export class QdrantVectorStore implements VectorStore {
  private readonly name: string;
  private readonly transport: QdrantTransport;
  private readonly upsertBatch: number;
  private readonly neighbourBatch: number;
  private state: CollectionState | null = null;
  private layout: VectorLayout | null = null;

  constructor(private readonly options: QdrantVectorStoreOptions) {
    this.name = options.collection ?? DEFAULT_COLLECTION;
    this.transport =
      options.transport ??
      new QdrantClientTransport({
        url: options.url,
        apiKey: options.apiKey,
        timeoutMs: options.timeoutMs,
        retry: options.retry,
      });
    this.upsertBatch = options.upsertBatchSize ?? 256;
    this.neighbourBatch = options.neighbourBatchSize ?? 64;
  }

  private send<T>(call: Omit<QdrantCall, 'collection'>): Promise<T> {
    return this.transport.call({ ...call, collection: this.name }) as Promise<T>;
  }

  private async fetchState(): Promise<{ state: CollectionState | null; info: QdrantCollectionInfo | null }> {
    const exists = await this.send<{ exists: boolean }>({ operation: 'collection_exists' });
    if (!exists.exists) return { state: null, info: null };
    const info = await this.send<QdrantCollectionInfo>({ operation: 'get_collection' });
    const recorded = info.config.metadata?.lookalike;
    if (recorded) return { state: recorded, info };
    throw new LookalikeError(
      'conflict',
      `collection ${this.name} exists but was not created by Lookalike (no model metadata)`,
    );
  }

  private async open(): Promise<{ state: CollectionState; layout: VectorLayout }> {
    if (this.state && this.layout) return { state: this.state, layout: this.layout };
    const { state } = await this.fetchState();
    if (!state)
      throw new LookalikeError(
        'unavailable',
        `collection ${this.name} does not exist; call ensureCollection first`,
      );
    this.state = state;
    this.layout = new VectorLayout(state.models);
    return { state, layout: this.layout };
  }

  async ensureCollection(spec: CollectionSpec): Promise<CollectionDescription> {
    checkSpec(spec);
    const requested: CollectionSpec = {
      ...spec,
      quantization: spec.quantization ?? this.options.quantization ?? NO_QUANTIZATION,
    };
    const { state: existing } = await this.fetchState();
    const { state, added } = mergeSpec(existing, requested);
    if (!existing) {
      try {
        await this.send({ operation: 'create_collection', body: buildCreateCollectionRequest(state) });
      } catch (error) {
        // Two services starting together: the loser finds the winner's collection.
        if (!(error instanceof LookalikeError && error.code === 'conflict')) throw error;
      }
    } else if (added.length > 0) {
      for (const v of namedVectorsOf(added)) {
        await this.send({
          operation: 'create_vector_name',
          vectorName: v.name,
          wait: true,
          body: buildCreateVectorRequest(v),
        });
      }
    }
    if (existing && JSON.stringify(existing) !== JSON.stringify(state)) {
      await this.send({ operation: 'update_collection', body: buildUpdateMetadataRequest(state) });
    }
    for (const index of spec.payloadIndexes ?? DEFAULT_PAYLOAD_INDEXES) {
      await this.send({
        operation: 'create_field_index',
        wait: true,
        body: buildCreateFieldIndexRequest(index),
      });
    }
    this.state = state;
    this.layout = new VectorLayout(state.models);
    return (await this.describeCollection())!;
  }

  async describeCollection(): Promise<CollectionDescription | null> {
    const { state, info } = await this.fetchState();
    if (!state || !info) return null;
    return {
      name: this.name,
      vectors: namedVectorsOf(state.models),
      models: state.models.map((m) => ({ ...m })),
      pointsCount: info.points_count ?? 0,
      hnsw: { ...state.hnsw },
      quantization: { ...state.quantization },
      engine: {
        engine: 'qdrant',
        status: info.status ?? 'unknown',
        indexedVectors: info.indexed_vectors_count ?? 0,
      },
    };
  }

  async upsert(owner: string, points: readonly UpsertPoint[], options: WriteOptions = {}): Promise<string[]> {
    requireOwner(owner);
    const { layout } = await this.open();
    const prepared = points.map((point) => {
      if (point.payload?.ownerUserId !== owner)
        throw LookalikeError.invalid('payload.ownerUserId must equal the owner of the call');
      const payload = toStoredPayload(point.payload);
      return { id: pointIdFor(owner, payload.sha256), payload, ...layout.normalizePoint(point) };
    });
    for (let i = 0; i < prepared.length; i += this.upsertBatch) {
      await this.send({
        operation: 'upsert_points',
        wait: options.wait ?? true,
        body: buildUpsertRequest(owner, prepared.slice(i, i + this.upsertBatch)),
      });
    }
    return prepared.map((p) => p.id);
  }

  async updateVectors(
    owner: string,
    updates: readonly VectorUpdate[],
    options: WriteOptions = {},
  ): Promise<void> {
    requireOwner(owner);
    const { layout } = await this.open();
    const prepared = updates.map((u) => ({ id: checkIds([u.id])[0]!, ...layout.normalizePoint(u) }));
    const present = new Set(
      (
        await this.get(
          owner,
          prepared.map((p) => p.id),
        )
      ).map((p) => p.id),
    );
    const missing = prepared.find((p) => !present.has(p.id));
    if (missing) throw LookalikeError.notFound('point', missing.id);
    for (let i = 0; i < prepared.length; i += this.upsertBatch) {
      await this.send({
        operation: 'update_vectors',
        wait: options.wait ?? true,
        body: buildUpdateVectorsRequest(owner, prepared.slice(i, i + this.upsertBatch)),
      });
    }
  }

  async delete(owner: string, ids: readonly string[], options: WriteOptions = {}): Promise<void> {
    requireOwner(owner);
    const checked = checkIds(ids);
    if (checked.length === 0) return;
    await this.open();
    await this.send({
      operation: 'delete_points',
      wait: options.wait ?? true,
      body: buildDeleteRequest(owner, checked),
    });
  }

  async get(owner: string, ids: readonly string[], options: GetOptions = {}): Promise<StoredPoint[]> {
    requireOwner(owner);
    const checked = checkIds(ids);
    if (checked.length === 0) return [];
    const { layout } = await this.open();
    // Scroll with (owner AND ids) instead of "retrieve", which cannot carry the owner condition.
    const result = await this.send<{ points: QdrantRecord[] }>({
      operation: 'scroll_points',
      body: buildScrollRequest({
        owner,
        filter: normalizeFilter({ ids: checked }),
        limit: checked.length,
        withVector: options.withVectors,
      }),
    });
    const byId = new Map(result.points.map((p) => [String(p.id), p]));
    return checked.flatMap((id) => {
      const record = byId.get(id);
      return record ? [this.toPoint(record, layout)] : [];
    });
  }

  private toPoint(record: QdrantRecord, layout: VectorLayout): StoredPoint {
    const point: StoredPoint = {
      id: String(record.id),
      payload: fromStoredPayload((record.payload ?? {}) as Partial<StoredPayload>),
    };
    if (record.vector && !Array.isArray(record.vector)) {
      point.vectors = {};
      point.multivectors = {};
      for (const [name, value] of Object.entries(record.vector)) {
        const kind = layout.vectors.get(name)?.kind;
        if (kind === 'global') point.vectors[name] = Float32Array.from(value as number[]);
        else if (kind === 'crops')
          point.multivectors[name] = (value as number[][]).map((c) => Float32Array.from(c));
      }
    }
    return point;
  }

  async setPayload(
    owner: string,
    ids: readonly string[],
    patch: PayloadPatch,
    options: WriteOptions = {},
  ): Promise<void> {
    requireOwner(owner);
    const checked = checkIds(ids);
    const stored = toStoredPatch(patch);
    if (checked.length === 0) return;
    await this.open();
    await this.send({
      operation: 'set_payload',
      wait: options.wait ?? true,
      body: buildSetPayloadRequest(owner, checked, stored),
    });
  }

  private queryOptions(
    owner: string,
    request: Omit<SearchRequest, 'vector'>,
    state: CollectionState,
  ): Omit<QueryOptions, 'query'> & { offset: number; limit: number; pageLimit: number } {
    const limit = checkLimit(request.limit);
    const offset = checkOffset(request.offset);
    return {
      owner,
      vectorName: request.vectorName,
      filter: normalizeFilter(request.filter),
      limit: offset + limit,
      pageLimit: limit,
      offset,
      scoreThreshold: checkThreshold(request.scoreThreshold),
      ef: checkEf(request.ef),
      exact: request.exact,
      withPayload: qdrantPayload(checkPayloadSelector(request.withPayload)),
      quantization: state.quantization,
    };
  }

  private toHits(
    points: readonly QdrantScoredPoint[],
    withPayload: QueryOptions['withPayload'],
  ): SearchHit[] {
    return points.map((p) =>
      withPayload !== false
        ? {
            id: String(p.id),
            score: p.score,
            payload: fromStoredPayload((p.payload ?? {}) as Partial<StoredPayload>),
          }
        : { id: String(p.id), score: p.score },
    );
  }

  async search(owner: string, request: SearchRequest): Promise<SearchHit[]> {
    requireOwner(owner);
    const { state, layout } = await this.open();
    const vector = layout.normalizeGlobal(request.vectorName, request.vector);
    const o = this.queryOptions(owner, request, state);
    const hits = await topWithTies(o.limit, (n, min) =>
      this.query({ ...o, query: Array.from(vector), limit: n }, min),
    );
    return pageHits(hits, o.offset, o.pageLimit, o.scoreThreshold);
  }

  private async query(o: QueryOptions, minScore?: number): Promise<SearchHit[]> {
    // The float slack keeps the boundary hits themselves when ties are re-fetched.
    const scoreThreshold =
      minScore === undefined ? o.scoreThreshold : Math.max(o.scoreThreshold ?? -Infinity, minScore - 1e-6);
    const result = await this.send<{ points: QdrantScoredPoint[] }>({
      operation: 'query_points',
      body: buildQueryRequest({ ...o, scoreThreshold }),
    });
    return this.toHits(result.points, o.withPayload);
  }

  async searchMulti(owner: string, request: MultiSearchRequest): Promise<SearchHit[]> {
    requireOwner(owner);
    const { state, layout } = await this.open();
    const queries = layout.normalizeCrops(request.vectorName, request.vectors);
    const o = this.queryOptions(owner, request, state);
    // MaxSim with a single query vector is the best match over a point's crops; one query per
    // query vector, merged by max, gives the best (query crop, stored crop) pair per point.
    const result = await this.send<{ points: QdrantScoredPoint[] }[]>({
      operation: 'query_batch_points',
      body: buildQueryBatchRequest(queries.map((q) => ({ ...o, query: [Array.from(q)] }))),
    });
    const lists = result.map((r) => this.toHits(r.points, o.withPayload));
    return pageHits(mergeMaxScore(lists), o.offset, o.pageLimit, o.scoreThreshold);
  }

  async batchSearch(owner: string, requests: readonly SearchRequest[]): Promise<SearchHit[][]> {
    requireOwner(owner);
    if (requests.length === 0) return [];
    const { state, layout } = await this.open();
    const options = requests.map((r) => ({
      ...this.queryOptions(owner, r, state),
      query: Array.from(layout.normalizeGlobal(r.vectorName, r.vector)),
    }));
    const result = await this.send<{ points: QdrantScoredPoint[] }[]>({
      operation: 'query_batch_points',
      body: buildQueryBatchRequest(options.map((o) => ({ ...o, limit: o.limit + 1 }))),
    });
    return Promise.all(
      result.map(async (r, i) => {
        const o = options[i]!;
        const first = this.toHits(r.points, o.withPayload);
        // Only a query whose equal scores straddle its page end is asked again, alone.
        const hits = await topWithTies(o.limit, async (n, min) =>
          min === undefined ? first : this.query({ ...o, limit: n }, min),
        );
        return pageHits(hits, o.offset, o.pageLimit, o.scoreThreshold);
      }),
    );
  }

  async scroll(owner: string, request: ScrollRequest): Promise<ScrollPage> {
    requireOwner(owner);
    checkOrderBy(request);
    const limit = checkLimit(request.limit);
    const order = orderSignature(request);
    const cursor = decodeCursor(request.cursor, order);
    const { layout } = await this.open();
    const filter = normalizeFilter(request.filter);
    const selector = checkPayloadSelector(request.withPayload);
    const result = await this.send<{ points: QdrantRecord[] }>({
      operation: 'scroll_points',
      body: buildScrollRequest({
        owner,
        filter,
        limit: limit + 1,
        withVector: request.withVectors,
        withPayload: qdrantPayload(selector, request.orderBy?.field),
        afterId: request.orderBy ? undefined : cursor?.id,
        orderBy: request.orderBy
          ? { ...request.orderBy, startFrom: cursor?.value, seen: cursor?.seen }
          : undefined,
      }),
    });
    const page = result.points.slice(0, limit).map((r) => this.toPoint(r, layout));
    const last = page[page.length - 1];
    // The order field was read for the cursor; the caller gets the fields it selected.
    const points =
      selector === true ? page : page.map((p) => ({ ...p, payload: selectPayload(p.payload, selector) }));
    if (result.points.length <= limit || !last) return { points };
    if (!request.orderBy) return { points, nextCursor: encodeCursor({ order, id: last.id }) };
    const valueOf = (p: StoredPoint) => {
      const f = request.orderBy!.field;
      return f === 'created_at'
        ? Date.parse(p.payload.createdAt)
        : p.payload[
            f === 'quality_score' ? 'qualityScore' : f === 'nsfw_score' ? 'nsfwScore' : 'anomalyScore'
          ];
    };
    const value = valueOf(last);
    // Qdrant resumes at a value (inclusive), so the ids already served at that value are excluded.
    const seen = page.filter((p) => valueOf(p) === value).map((p) => p.id);
    if (cursor?.value === value) seen.push(...(cursor.seen ?? []));
    return {
      points,
      nextCursor: encodeCursor({ order, id: last.id, value, seen: [...new Set(seen)] }),
    };
  }

  async count(owner: string, filter?: VectorFilter): Promise<number> {
    requireOwner(owner);
    const nf = normalizeFilter(filter);
    await this.open();
    const result = await this.send<{ count: number }>({
      operation: 'count_points',
      body: buildCountRequest(owner, nf),
    });
    return result.count;
  }

  async neighbours(owner: string, request: NeighboursRequest): Promise<PointNeighbours[]> {
    requireOwner(owner);
    const { state, layout } = await this.open();
    layout.require(request.vectorName, 'global');
    const k = checkLimit(request.k, 'k');
    const base = this.queryOptions(owner, { ...request, limit: k }, state);
    const sources = request.ids ? checkIds(request.ids) : await this.allIds(owner, request.filter);
    const present = request.ids
      ? new Set((await this.get(owner, sources)).map((p) => p.id))
      : new Set(sources);
    const ids = sources.filter((id) => present.has(id));
    const out: PointNeighbours[] = [];
    for (let i = 0; i < ids.length; i += this.neighbourBatch) {
      const chunk = ids.slice(i, i + this.neighbourBatch);
      // Query by point id: Qdrant uses the stored vector; the source itself is excluded by filter.
      const result = await this.send<{ points: QdrantScoredPoint[] }[]>({
        operation: 'query_batch_points',
        body: buildQueryBatchRequest(
          chunk.map((id) => ({ ...base, withPayload: false, query: id, mustNotIds: [id] })),
        ),
      });
      result.forEach((r, j) =>
        out.push({
          id: chunk[j]!,
          neighbours: pageHits(this.toHits(r.points, false), 0, k, base.scoreThreshold),
        }),
      );
    }
    return out;
  }

  private async allIds(owner: string, filter: VectorFilter | undefined): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.scroll(owner, { filter, limit: 1000, cursor });
      ids.push(...page.points.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  async close(): Promise<void> {}
}
