import { LookalikeError } from '@lookalike/contracts';
import { checkSpec, mergeSpec, VectorLayout, type CollectionState } from '../core/collection-schema';
import { compileFilter, isEmptyFilter } from '../core/filter-match';
import { compareHits, mergeMaxScore, pageHits, topK } from '../core/hits';
import {
  checkPayloadSelector,
  fromStoredPayload,
  selectPayload,
  toStoredPatch,
  toStoredPayload,
  type StoredPayload,
} from '../core/payload.codec';
import { TenantRows, type MemoryPoint } from './tenant-rows';
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
import { dot } from '../core/vector-math';
import { normalizeFilter, type NormalizedFilter, type VectorFilter } from '../filter/vector-filter';
import {
  DEFAULT_COLLECTION,
  namedVectorsOf,
  type CollectionDescription,
  type CollectionSpec,
  type GetOptions,
  type MultiSearchRequest,
  type NeighboursRequest,
  type PayloadPatch,
  type PayloadSelector,
  type PointNeighbours,
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

export interface MemoryVectorStoreOptions {
  collection?: string;
}

/**
 * Exact brute-force store held in process memory. It is the reference the engines are
 * measured against and a real adapter for unit tests of the services; it keeps nothing
 * across restarts. The HNSW adapter extends it with graphs and a durable copy.
 */
export class MemoryVectorStore implements VectorStore {
  protected readonly name: string;
  protected state: CollectionState | null = null;
  protected layout: VectorLayout | null = null;
  protected readonly tenants = new Map<string, TenantRows>();

  constructor(options: MemoryVectorStoreOptions = {}) {
    this.name = options.collection ?? DEFAULT_COLLECTION;
  }

  async ensureCollection(spec: CollectionSpec): Promise<CollectionDescription> {
    checkSpec(spec);
    const { state } = mergeSpec(this.state, spec);
    this.state = state;
    this.layout = new VectorLayout(state.models);
    return this.describe(state);
  }

  async describeCollection(): Promise<CollectionDescription | null> {
    return this.state ? this.describe(this.state) : null;
  }

  protected describe(state: CollectionState): CollectionDescription {
    return {
      name: this.name,
      vectors: namedVectorsOf(state.models),
      models: state.models.map((m) => ({ ...m })),
      pointsCount: this.pointsCount(),
      hnsw: { ...state.hnsw },
      quantization: { ...state.quantization },
      engine: { engine: 'memory', index: 'exact' },
    };
  }

  protected pointsCount(): number {
    let n = 0;
    for (const rows of this.tenants.values()) n += rows.size;
    return n;
  }

  protected requireLayout(): VectorLayout {
    if (!this.layout)
      throw new LookalikeError(
        'unavailable',
        `collection ${this.name} does not exist; call ensureCollection first`,
      );
    return this.layout;
  }

  protected rowsOf(owner: string): TenantRows | undefined {
    return this.tenants.get(owner);
  }

  /** The owner's points matching the filter, starting from the narrowest lookup the filter names. */
  protected matching(owner: string, filter: NormalizedFilter): MemoryPoint[] {
    const rows = this.tenants.get(owner);
    if (!rows) return [];
    const candidates = rows.seed(filter) ?? rows.points.values();
    if (isEmptyFilter(filter)) return [...candidates];
    const test = compileFilter(filter);
    const out: MemoryPoint[] = [];
    for (const p of candidates) if (test(p.id, p.payload, p.createdMs)) out.push(p);
    return out;
  }

  /** Stores a point in memory; subclasses also index it (graphs). */
  protected put(owner: string, point: MemoryPoint): void {
    let rows = this.tenants.get(owner);
    if (!rows) this.tenants.set(owner, (rows = new TenantRows(owner)));
    const previous = rows.put(point);
    this.afterPut(owner, point, previous);
  }

  protected remove(owner: string, id: string): void {
    const rows = this.tenants.get(owner);
    const removed = rows?.remove(id);
    if (!rows || !removed) return;
    if (rows.size === 0) this.tenants.delete(owner);
    this.afterRemove(owner, removed);
  }

  protected afterPut(_owner: string, _point: MemoryPoint, _previous: MemoryPoint | undefined): void {}

  protected afterRemove(_owner: string, _point: MemoryPoint): void {}

  protected pointOf(owner: string, id: string): MemoryPoint | undefined {
    return this.tenants.get(owner)?.points.get(id);
  }

  /** Validates and normalises the points of an upsert: everything is checked before anything is stored. */
  protected preparePoints(owner: string, points: readonly UpsertPoint[]): MemoryPoint[] {
    requireOwner(owner);
    const layout = this.requireLayout();
    return points.map((point) => {
      if (point.payload?.ownerUserId !== owner)
        throw LookalikeError.invalid('payload.ownerUserId must equal the owner of the call');
      const payload = toStoredPayload(point.payload);
      const id = pointIdFor(owner, payload.sha256);
      return { id, payload, createdMs: Date.parse(payload.created_at), ...layout.normalizePoint(point) };
    });
  }

  async upsert(owner: string, points: readonly UpsertPoint[], _options?: WriteOptions): Promise<string[]> {
    const prepared = this.preparePoints(owner, points);
    for (const p of prepared) this.put(owner, p);
    return prepared.map((p) => p.id);
  }

  /** Validates vector updates; unknown ids (or another tenant's) are `not_found`. */
  protected prepareUpdates(owner: string, updates: readonly VectorUpdate[]) {
    requireOwner(owner);
    const layout = this.requireLayout();
    const prepared = updates.map((u) => ({ id: checkIds([u.id])[0]!, ...layout.normalizePoint(u) }));
    for (const u of prepared) {
      if (!this.pointOf(owner, u.id)) throw LookalikeError.notFound('point', u.id);
    }
    return prepared;
  }

  async updateVectors(
    owner: string,
    updates: readonly VectorUpdate[],
    _options?: WriteOptions,
  ): Promise<void> {
    this.applyUpdates(owner, this.prepareUpdates(owner, updates));
  }

  protected applyUpdates(owner: string, prepared: ReturnType<MemoryVectorStore['prepareUpdates']>): void {
    for (const next of this.updatedPoints(owner, prepared)) this.put(owner, next);
  }

  /** The points as the updates leave them (not stored yet). */
  protected updatedPoints(
    owner: string,
    prepared: ReturnType<MemoryVectorStore['prepareUpdates']>,
  ): MemoryPoint[] {
    const out: MemoryPoint[] = [];
    for (const u of prepared) {
      const p = this.pointOf(owner, u.id);
      if (!p) continue;
      out.push({
        ...p,
        vectors: new Map([...p.vectors, ...u.vectors]),
        multivectors: new Map([...p.multivectors, ...u.multivectors]),
      });
    }
    return out;
  }

  async delete(owner: string, ids: readonly string[], _options?: WriteOptions): Promise<void> {
    requireOwner(owner);
    for (const id of checkIds(ids)) this.remove(owner, id);
  }

  async get(owner: string, ids: readonly string[], options: GetOptions = {}): Promise<StoredPoint[]> {
    requireOwner(owner);
    this.requireLayout();
    const out: StoredPoint[] = [];
    for (const id of checkIds(ids)) {
      const p = this.pointOf(owner, id);
      if (p) out.push(this.toStored(p, options.withVectors));
    }
    return out;
  }

  protected toStored(
    p: MemoryPoint,
    withVectors: GetOptions['withVectors'],
    withPayload: PayloadSelector = true,
  ): StoredPoint {
    const point: StoredPoint = {
      id: p.id,
      payload: selectPayload(fromStoredPayload(p.payload), withPayload),
    };
    if (withVectors) {
      const wanted = (name: string) =>
        withVectors === true || (Array.isArray(withVectors) && withVectors.includes(name));
      point.vectors = {};
      point.multivectors = {};
      for (const [k, v] of p.vectors) if (wanted(k)) point.vectors[k] = Float32Array.from(v);
      for (const [k, v] of p.multivectors)
        if (wanted(k)) point.multivectors[k] = v.map((x) => Float32Array.from(x));
    }
    return point;
  }

  async setPayload(
    owner: string,
    ids: readonly string[],
    patch: PayloadPatch,
    _options?: WriteOptions,
  ): Promise<void> {
    requireOwner(owner);
    this.applyPatch(owner, checkIds(ids), toStoredPatch(patch));
  }

  protected applyPatch(owner: string, ids: readonly string[], stored: Partial<StoredPayload>): void {
    for (const next of this.patchedPoints(owner, ids, stored)) this.put(owner, next);
  }

  /** The tenant's points among `ids` with the patch laid over (not stored yet); unknown ids are skipped. */
  protected patchedPoints(
    owner: string,
    ids: readonly string[],
    stored: Partial<StoredPayload>,
  ): MemoryPoint[] {
    const out: MemoryPoint[] = [];
    for (const id of ids) {
      const p = this.pointOf(owner, id);
      if (!p) continue;
      const payload = { ...p.payload, ...stored };
      out.push({ ...p, payload, createdMs: Date.parse(payload.created_at) });
    }
    return out;
  }

  async search(owner: string, request: SearchRequest): Promise<SearchHit[]> {
    requireOwner(owner);
    const layout = this.requireLayout();
    const query = layout.normalizeGlobal(request.vectorName, request.vector);
    const { limit, offset, threshold, filter } = this.checkSearch(request);
    const withPayload = checkPayloadSelector(request.withPayload);
    const hits = this.exactHits(
      this.matching(owner, filter),
      request.vectorName,
      query,
      offset + limit,
      threshold,
    );
    return hits.slice(offset, offset + limit).map((h) => this.hit(h.point, h.score, withPayload));
  }

  /** The best `fetch` of the candidates by cosine (score desc, id asc), above the threshold. */
  protected exactHits(
    candidates: Iterable<MemoryPoint>,
    vectorName: string,
    query: Float32Array,
    fetch: number,
    threshold?: number,
  ): { point: MemoryPoint; score: number; id: string }[] {
    const scored: { point: MemoryPoint; score: number; id: string }[] = [];
    for (const p of candidates) {
      const v = p.vectors.get(vectorName);
      if (!v) continue;
      const score = dot(query, v);
      if (threshold === undefined || score >= threshold) scored.push({ point: p, score, id: p.id });
    }
    return topK(scored, fetch, compareHits);
  }

  protected checkSearch(request: Omit<SearchRequest, 'vector'>) {
    checkEf(request.ef);
    return {
      limit: checkLimit(request.limit),
      offset: checkOffset(request.offset),
      threshold: checkThreshold(request.scoreThreshold),
      filter: normalizeFilter(request.filter),
    };
  }

  protected hit(p: MemoryPoint, score: number, withPayload: PayloadSelector): SearchHit {
    return withPayload === false
      ? { id: p.id, score }
      : { id: p.id, score, payload: selectPayload(fromStoredPayload(p.payload), withPayload) };
  }

  async searchMulti(owner: string, request: MultiSearchRequest): Promise<SearchHit[]> {
    requireOwner(owner);
    const layout = this.requireLayout();
    const queries = layout.normalizeCrops(request.vectorName, request.vectors);
    const { limit, offset, threshold, filter } = this.checkSearch(request);
    const withPayload = checkPayloadSelector(request.withPayload);
    const candidates = this.matching(owner, filter);
    const lists: SearchHit[][] = queries.map((q) => {
      const list: SearchHit[] = [];
      for (const p of candidates) {
        const crops = p.multivectors.get(request.vectorName);
        if (!crops) continue;
        let best = -Infinity;
        for (const c of crops) best = Math.max(best, dot(q, c));
        list.push(this.hit(p, best, withPayload));
      }
      return list;
    });
    return pageHits(mergeMaxScore(lists), offset, limit, threshold);
  }

  async batchSearch(owner: string, requests: readonly SearchRequest[]): Promise<SearchHit[][]> {
    return Promise.all(requests.map((r) => this.search(owner, r)));
  }

  async scroll(owner: string, request: ScrollRequest): Promise<ScrollPage> {
    requireOwner(owner);
    this.requireLayout();
    checkOrderBy(request);
    const limit = checkLimit(request.limit);
    const withPayload = checkPayloadSelector(request.withPayload);
    const order = orderSignature(request);
    const cursor = decodeCursor(request.cursor, order);
    const valueOf = (p: MemoryPoint): number | undefined => {
      if (!request.orderBy) return undefined;
      const f = request.orderBy.field;
      return f === 'created_at' ? p.createdMs : p.payload[f];
    };
    const desc = request.orderBy?.direction === 'desc';
    const cmp = (a: MemoryPoint, b: MemoryPoint) => {
      const va = valueOf(a);
      const vb = valueOf(b);
      if (va !== undefined && vb !== undefined && va !== vb) return desc ? vb - va : va - vb;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    };
    const after = (p: MemoryPoint) => {
      if (!cursor) return true;
      const v = valueOf(p);
      if (v !== undefined && cursor.value !== undefined && v !== cursor.value)
        return desc ? v < cursor.value : v > cursor.value;
      return p.id > cursor.id;
    };
    const rest = this.matching(owner, normalizeFilter(request.filter)).filter(after);
    // One more than the page tells whether another page follows; selecting it costs O(n log limit).
    const page = topK(rest, limit + 1, cmp);
    const more = page.length > limit;
    if (more) page.pop();
    const last = page[page.length - 1];
    return {
      points: page.map((p) => this.toStored(p, request.withVectors, withPayload)),
      nextCursor: more && last ? encodeCursor({ order, value: valueOf(last), id: last.id }) : undefined,
    };
  }

  async count(owner: string, filter?: VectorFilter): Promise<number> {
    requireOwner(owner);
    this.requireLayout();
    return this.matching(owner, normalizeFilter(filter)).length;
  }

  async neighbours(owner: string, request: NeighboursRequest): Promise<PointNeighbours[]> {
    requireOwner(owner);
    this.requireLayout().require(request.vectorName, 'global');
    const k = checkLimit(request.k, 'k');
    const threshold = checkThreshold(request.scoreThreshold);
    const filter = normalizeFilter(request.filter);
    const candidates = this.matching(owner, filter).filter((p) => p.vectors.has(request.vectorName));
    return this.neighbourSources(owner, request, candidates).map((s) => {
      const v = s.vectors.get(request.vectorName)!;
      const others = candidates.filter((c) => c.id !== s.id);
      const hits = this.exactHits(others, request.vectorName, v, k, threshold);
      return { id: s.id, neighbours: hits.map((h) => ({ id: h.point.id, score: h.score })) };
    });
  }

  /** The points whose neighbours are asked for: the named ids, else every candidate by id. */
  protected neighbourSources(
    owner: string,
    request: NeighboursRequest,
    candidates: readonly MemoryPoint[],
  ): MemoryPoint[] {
    if (!request.ids) return [...candidates].sort((a, b) => (a.id < b.id ? -1 : 1));
    return checkIds(request.ids)
      .map((id) => this.pointOf(owner, id))
      .filter((p): p is MemoryPoint => !!p && p.vectors.has(request.vectorName));
  }

  async close(): Promise<void> {}
}
