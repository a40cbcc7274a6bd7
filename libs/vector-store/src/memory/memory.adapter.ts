import { LookalikeError } from '@lookalike/contracts';
import { checkSpec, mergeSpec, VectorLayout, type CollectionState } from '../core/collection-schema';
import { matchesFilter } from '../core/filter-match';
import { compareHits, mergeMaxScore, pageHits } from '../core/hits';
import {
  checkPayloadSelector,
  fromStoredPayload,
  selectPayload,
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
} from '../vector-store.port';

interface MemoryPoint {
  id: string;
  payload: StoredPayload;
  vectors: Map<string, Float32Array>;
  multivectors: Map<string, Float32Array[]>;
}

export interface MemoryVectorStoreOptions {
  collection?: string;
}

/**
 * Exact brute-force store held in process memory. It is the reference the engines are
 * measured against and a real adapter for unit tests of the services; it keeps nothing
 * across restarts.
 */
export class MemoryVectorStore implements VectorStore {
  private readonly name: string;
  private state: CollectionState | null = null;
  private layout: VectorLayout | null = null;
  private readonly points = new Map<string, MemoryPoint>();

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

  private describe(state: CollectionState): CollectionDescription {
    return {
      name: this.name,
      vectors: namedVectorsOf(state.models),
      models: state.models.map((m) => ({ ...m })),
      pointsCount: this.points.size,
      hnsw: { ...state.hnsw },
      quantization: { ...state.quantization },
      engine: { engine: 'memory', index: 'exact' },
    };
  }

  private requireLayout(): VectorLayout {
    if (!this.layout)
      throw new LookalikeError(
        'unavailable',
        `collection ${this.name} does not exist; call ensureCollection first`,
      );
    return this.layout;
  }

  private owned(owner: string): MemoryPoint[] {
    return [...this.points.values()].filter((p) => p.payload.owner_user_id === owner);
  }

  private matching(owner: string, filter: NormalizedFilter): MemoryPoint[] {
    return this.owned(owner).filter((p) => matchesFilter(p.id, p.payload, filter));
  }

  async upsert(owner: string, points: readonly UpsertPoint[]): Promise<string[]> {
    requireOwner(owner);
    const layout = this.requireLayout();
    const prepared = points.map((point) => {
      if (point.payload?.ownerUserId !== owner)
        throw LookalikeError.invalid('payload.ownerUserId must equal the owner of the call');
      const payload = toStoredPayload(point.payload);
      const id = pointIdFor(owner, payload.sha256);
      return { id, payload, ...layout.normalizePoint(point) };
    });
    for (const p of prepared) this.points.set(p.id, p);
    return prepared.map((p) => p.id);
  }

  async updateVectors(owner: string, updates: readonly VectorUpdate[]): Promise<void> {
    requireOwner(owner);
    const layout = this.requireLayout();
    const prepared = updates.map((u) => ({ id: checkIds([u.id])[0]!, ...layout.normalizePoint(u) }));
    for (const u of prepared) {
      const p = this.points.get(u.id);
      if (!p || p.payload.owner_user_id !== owner) throw LookalikeError.notFound('point', u.id);
    }
    for (const u of prepared) {
      const p = this.points.get(u.id)!;
      for (const [k, v] of u.vectors) p.vectors.set(k, v);
      for (const [k, v] of u.multivectors) p.multivectors.set(k, v);
    }
  }

  async delete(owner: string, ids: readonly string[]): Promise<void> {
    requireOwner(owner);
    for (const id of checkIds(ids)) {
      if (this.points.get(id)?.payload.owner_user_id === owner) this.points.delete(id);
    }
  }

  async get(owner: string, ids: readonly string[], options: GetOptions = {}): Promise<StoredPoint[]> {
    requireOwner(owner);
    this.requireLayout();
    const out: StoredPoint[] = [];
    for (const id of checkIds(ids)) {
      const p = this.points.get(id);
      if (p && p.payload.owner_user_id === owner) out.push(this.toStored(p, options.withVectors));
    }
    return out;
  }

  private toStored(
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

  async setPayload(owner: string, ids: readonly string[], patch: PayloadPatch): Promise<void> {
    requireOwner(owner);
    const stored = toStoredPatch(patch);
    for (const id of checkIds(ids)) {
      const p = this.points.get(id);
      if (p && p.payload.owner_user_id === owner) p.payload = { ...p.payload, ...stored };
    }
  }

  async search(owner: string, request: SearchRequest): Promise<SearchHit[]> {
    requireOwner(owner);
    const layout = this.requireLayout();
    const query = layout.normalizeGlobal(request.vectorName, request.vector);
    const { limit, offset, threshold, filter } = this.checkSearch(request);
    const withPayload = checkPayloadSelector(request.withPayload);
    const hits: SearchHit[] = [];
    for (const p of this.matching(owner, filter)) {
      const v = p.vectors.get(request.vectorName);
      if (!v) continue;
      hits.push(this.hit(p, dot(query, v), withPayload));
    }
    return pageHits(hits, offset, limit, threshold);
  }

  private checkSearch(request: Omit<SearchRequest, 'vector'>) {
    checkEf(request.ef);
    return {
      limit: checkLimit(request.limit),
      offset: checkOffset(request.offset),
      threshold: checkThreshold(request.scoreThreshold),
      filter: normalizeFilter(request.filter),
    };
  }

  private hit(p: MemoryPoint, score: number, withPayload: PayloadSelector): SearchHit {
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
    const lists: SearchHit[][] = queries.map((q) => {
      const list: SearchHit[] = [];
      for (const p of this.matching(owner, filter)) {
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
      return f === 'created_at' ? Date.parse(p.payload.created_at) : p.payload[f];
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
    const sorted = this.matching(owner, normalizeFilter(request.filter)).filter(after).sort(cmp);
    const page = sorted.slice(0, limit);
    const last = page[page.length - 1];
    return {
      points: page.map((p) => this.toStored(p, request.withVectors, withPayload)),
      nextCursor:
        sorted.length > limit && last
          ? encodeCursor({ order, value: valueOf(last), id: last.id })
          : undefined,
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
    const sources = request.ids
      ? checkIds(request.ids)
          .map((id) => this.points.get(id))
          .filter(
            (p): p is MemoryPoint =>
              !!p && p.payload.owner_user_id === owner && p.vectors.has(request.vectorName),
          )
      : [...candidates].sort((a, b) => (a.id < b.id ? -1 : 1));
    return sources.map((s) => {
      const v = s.vectors.get(request.vectorName)!;
      const hits = candidates
        .filter((c) => c.id !== s.id)
        .map((c) => ({ id: c.id, score: dot(v, c.vectors.get(request.vectorName)!) }));
      return { id: s.id, neighbours: pageHits(hits, 0, k, threshold).sort(compareHits) };
    });
  }

  async close(): Promise<void> {}
}
