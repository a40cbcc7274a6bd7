import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LookalikeError } from '@lookalike/contracts';
import { compileFilter, isEmptyFilter, type PointPredicate } from '../core/filter-match';
import { compareHits } from '../core/hits';
import { checkPayloadSelector, toStoredPatch } from '../core/payload.codec';
import { checkIds, checkLimit, checkThreshold, requireOwner } from '../core/requests';
import { dot } from '../core/vector-math';
import { normalizeFilter, type NormalizedFilter } from '../filter/vector-filter';
import { LanceDbVectorStore } from '../lancedb/lancedb.adapter';
import { scanLanceTable } from '../lancedb/lancedb-rows';
import { MemoryVectorStore } from '../memory/memory.adapter';
import type { MemoryPoint, TenantRows } from '../memory/tenant-rows';
import {
  DEFAULT_COLLECTION,
  namedVectorsOf,
  type CollectionDescription,
  type CollectionSpec,
  type GetOptions,
  type NeighboursRequest,
  type PayloadPatch,
  type PointNeighbours,
  type ScrollPage,
  type ScrollRequest,
  type SearchHit,
  type SearchRequest,
  type StoredPoint,
  type UpsertPoint,
  type VectorUpdate,
  type WriteOptions,
  type MultiSearchRequest,
} from '../vector-store.port';
import type { VectorFilter } from '../filter/vector-filter';
import { DurablePoints } from './durable-points';
import { HnswGraph } from './hnsw-graph';

export interface HnswIndexPolicy {
  /** A tenant's named vector gets a graph once the tenant holds this many points. */
  graphFromRows: number;
  /**
   * A query whose filter (owner included) leaves at most this many points scans them exactly:
   * cheaper than the graph there, and it cannot miss a point.
   */
  exactBelowRows: number;
  /** Search breadth when the query gives none (raised to the number of hits fetched). */
  ef: number;
  /** Milliseconds a background build adds points before it yields to the event loop. */
  buildSliceMs: number;
  /** A graph is snapshotted once this many of its points changed since its last snapshot... */
  snapshotAfterChanges: number;
  /** ...and its last snapshot is at least this old (snapshots also happen after a build and at close). */
  snapshotMinIntervalMs: number;
  /** Points sampled to estimate how many a payload filter leaves (the exact-or-graph plan). */
  planSample: number;
}

/**
 * Measured on the 2-core machine (bench/exact-vs-graph.bench.ts, docs/vector-store.md "Exact below
 * 200 points"): an exact scan costs about 0.6 µs per 512-d point and 1.4 µs per 1280-d point in
 * JS, a graph query 0.1-0.45 ms at 250-1,000 points (recall@10 0.999-1.0 there), so the graph is the
 * cheaper from about 200 points at either size: graphs start at 200 points and only filters that
 * leave at most 200 scan.
 * (Both were 1,000: a streamed import scanned up to 1,000 1280-d points 3.8 times per upload.)
 */
export const DEFAULT_HNSW_POLICY: HnswIndexPolicy = {
  graphFromRows: 200,
  exactBelowRows: 200,
  ef: 128,
  buildSliceMs: 20,
  snapshotAfterChanges: 5_000,
  snapshotMinIntervalMs: 5 * 60_000,
  planSample: 256,
};

export interface HnswVectorStoreOptions {
  /** Folder of the durable copy (`<collection>.lmdb`) and of the graph snapshots. */
  dir: string;
  collection?: string;
  index?: Partial<HnswIndexPolicy>;
  /** Receives failures of background work (graph builds, snapshots). */
  onBackgroundError?: (error: unknown) => void;
}

interface GraphEntry {
  owner: string;
  vectorName: string;
  graph: HnswGraph;
  /** False while a build adds the tenant's points; queries scan exactly meanwhile. */
  ready: boolean;
  changes: number;
  savedAt: number;
  /** Whether it started from a snapshot (else it was built from the points). */
  fromSnapshot: boolean;
}

type Plan = { kind: 'exact'; candidates: MemoryPoint[] } | { kind: 'graph'; accept?: PointPredicate };

/**
 * The embedded engine: every point in process memory with one HNSW graph (hnswlib) per tenant
 * and named global vector, and the durable copy in LMDB (`DurablePoints`). Writes go to the
 * durable copy first and then to memory, one at a time, so an answered write survives kill -9;
 * reads never touch it. At start the points are read back and each graph is loaded from its last
 * snapshot, checked
 * against the points (changed vectors re-inserted, missing points added, gone points removed),
 * or built in the background while queries scan exactly. One process owns the folder (a lock
 * file says which).
 */
export class HnswVectorStore extends MemoryVectorStore {
  private durableCopy: DurablePoints | null = null;
  private readonly policy: HnswIndexPolicy;
  private readonly graphs = new Map<string, GraphEntry>();
  private readonly builds = new Set<Promise<void>>();
  /** Writes run one at a time: each computes its points from memory, stores them, applies them. */
  private writeQueue: Promise<unknown> = Promise.resolve();
  private loading: Promise<void> | null = null;
  private loaded = false;
  private bulk = false;
  private closed = false;
  private lockHeld = false;

  constructor(private readonly options: HnswVectorStoreOptions) {
    super({ collection: options.collection ?? DEFAULT_COLLECTION });
    this.policy = { ...DEFAULT_HNSW_POLICY, ...options.index };
  }

  /** Opened on first use, after the folder's lock is taken. */
  private get durable(): DurablePoints {
    if (this.closed) throw new LookalikeError('unavailable', `the vector store ${this.name} is closed`);
    this.lock();
    this.durableCopy ??= new DurablePoints(DurablePoints.pathIn(this.options.dir, this.name));
    return this.durableCopy;
  }

  private exclusive<T>(write: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(write, write);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private get graphDir(): string {
    return join(this.options.dir, `${this.name}.hnsw`);
  }

  private snapshotBase(owner: string, vectorName: string): string {
    const tenant = createHash('sha256').update(owner).digest('hex').slice(0, 32);
    return join(this.graphDir, `${tenant}.${vectorName}`);
  }

  /** Refuses to open a folder whose index another live process holds. */
  private lock(): void {
    if (this.lockHeld) return;
    mkdirSync(this.graphDir, { recursive: true });
    const path = join(this.graphDir, 'LOCK');
    try {
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new LookalikeError(
          'unavailable',
          `the HNSW index in ${this.graphDir} is held by process ${pid}; one process owns it (use VECTOR_STORE=lancedb or qdrant for several)`,
        );
      }
    } catch (error) {
      if (error instanceof LookalikeError) throw error;
    }
    writeFileSync(path, String(process.pid));
    this.lockHeld = true;
  }

  override async ensureCollection(spec: CollectionSpec): Promise<CollectionDescription> {
    const durable = this.durable;
    await this.migrateFromLance();
    const stored = durable.spec();
    if (stored && !this.state) await super.ensureCollection(stored);
    await super.ensureCollection(spec);
    await durable.saveSpec(this.state!);
    await this.load();
    return this.describeWith();
  }

  override async describeCollection(): Promise<CollectionDescription | null> {
    await this.ready();
    return this.state ? this.describeWith() : null;
  }

  /**
   * A folder written before the durable copy moved to LMDB holds a LanceDB table: its points are
   * copied over once, in batches, and the table is left where it was (docs/vector-store.md says
   * when it may be removed). An interrupted copy starts again: writing a point twice is harmless,
   * and the spec that marks the copy done is written last.
   */
  private async migrateFromLance(): Promise<void> {
    const durable = this.durable;
    if (durable.spec() || !existsSync(join(this.options.dir, `${this.name}.lance`))) return;
    const lance = new LanceDbVectorStore({
      dir: this.options.dir,
      collection: this.name,
      maintenance: false,
    });
    let described: CollectionDescription | null;
    try {
      described = await lance.describeCollection();
    } finally {
      await lance.close();
    }
    if (!described) return;
    const state = { models: described.models, hnsw: described.hnsw, quantization: described.quantization };
    for await (const rows of scanLanceTable(this.options.dir, this.name, namedVectorsOf(state.models))) {
      await durable.put(rows.map((point) => ({ owner: point.payload.owner_user_id, point })));
    }
    await durable.saveSpec(state);
  }

  private describeWith(): CollectionDescription {
    const own = this.describe(this.state!);
    let graphPoints = 0;
    let building = 0;
    let fromSnapshots = 0;
    for (const entry of this.graphs.values()) {
      graphPoints += entry.graph.size;
      if (!entry.ready) building += 1;
      if (entry.fromSnapshot) fromSnapshots += 1;
    }
    const engine: Record<string, string | number | boolean> = {
      engine: 'hnsw',
      index: 'hnswlib',
      graphs: this.graphs.size,
      graphPoints,
      building,
      fromSnapshots,
      durable: 'lmdb',
      'durable.points': this.durable.count(),
      'durable.bytes': this.durable.sizeBytes(),
    };
    return { ...own, engine };
  }

  /** Loads the collection from the durable copy on first use after a start. */
  private async ready(): Promise<void> {
    if (this.loaded) return;
    if (!this.state) {
      await this.migrateFromLance();
      const stored = this.durable.spec();
      if (stored) await this.ensureCollection(stored);
      return;
    }
    await this.load();
  }

  private load(): Promise<void> {
    this.loading ??= this.readDurable().then(
      () => {
        this.loaded = true;
      },
      (error: unknown) => {
        this.loading = null;
        throw error;
      },
    );
    return this.loading;
  }

  private async readDurable(): Promise<void> {
    const vectors = namedVectorsOf(this.state!.models);
    this.bulk = true;
    try {
      for (const rows of this.durable.scan()) {
        for (const { owner, point } of rows) {
          this.put(owner, { ...point, createdMs: Date.parse(point.payload.created_at) });
        }
        // A large collection loads in slices, so the process answers its health checks meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.bulk = false;
    }
    for (const rows of this.tenants.values()) {
      if (rows.size < this.policy.graphFromRows) continue;
      for (const v of vectors) if (v.kind === 'global') this.openGraph(rows, v.name);
    }
  }

  /** Waits until every graph is built (benchmarks, tests; queries do not need it). */
  async whenIndexed(): Promise<void> {
    await this.ready();
    while (this.builds.size > 0) await Promise.all([...this.builds]);
  }

  private key(owner: string, vectorName: string): string {
    return `${owner}\u0000${vectorName}`;
  }

  /**
   * Starts a tenant's graph for one vector: from its snapshot when there is a usable one
   * (checked against the points), else empty; a background build then adds what is missing.
   */
  private openGraph(rows: TenantRows, vectorName: string): void {
    const key = this.key(rows.owner, vectorName);
    if (this.graphs.has(key)) return;
    const layout = this.requireLayout();
    const options = {
      dimension: layout.require(vectorName, 'global').dimension,
      m: this.state!.hnsw.m,
      efConstruction: this.state!.hnsw.efConstruct,
      capacity: rows.size,
    };
    const base = this.snapshotBase(rows.owner, vectorName);
    let graph = HnswGraph.load(base, options);
    if (graph && !this.checkSnapshot(graph, rows, vectorName)) graph = undefined;
    const entry: GraphEntry = {
      owner: rows.owner,
      vectorName,
      graph: graph ?? new HnswGraph(options),
      ready: false,
      changes: 0,
      savedAt: graph ? Date.now() : 0,
      fromSnapshot: graph !== undefined,
    };
    this.graphs.set(key, entry);
    this.track(this.build(entry, rows));
  }

  /**
   * Removes the snapshot's points that are gone and re-inserts those whose vector changed;
   * false when the snapshot cannot be trusted at all (then the graph is built afresh).
   */
  private checkSnapshot(graph: HnswGraph, rows: TenantRows, vectorName: string): boolean {
    try {
      for (const id of [...graph.liveIds()]) {
        const vector = rows.points.get(id)?.vectors.get(vectorName);
        if (!vector) {
          graph.remove(id);
          continue;
        }
        if (!graph.holds(id, vector)) graph.upsert(id, vector);
      }
      return true;
    } catch {
      return false;
    }
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.options.onBackgroundError?.(error));
    this.builds.add(tracked);
    void tracked.finally(() => this.builds.delete(tracked));
  }

  /** Adds the tenant's points the graph lacks, in time slices, then marks it ready and snapshots it. */
  private async build(entry: GraphEntry, rows: TenantRows): Promise<void> {
    const ids = [...rows.points.keys()];
    let i = 0;
    while (i < ids.length) {
      if (this.closed) return;
      const until = Date.now() + this.policy.buildSliceMs;
      for (; i < ids.length && Date.now() < until; i++) {
        const vector = rows.points.get(ids[i]!)?.vectors.get(entry.vectorName);
        if (vector && !entry.graph.has(ids[i]!)) entry.graph.upsert(ids[i]!, vector);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (this.graphs.get(this.key(entry.owner, entry.vectorName)) !== entry) return;
    entry.ready = true;
    if (entry.savedAt === 0 || entry.changes > 0) this.snapshot(entry);
  }

  private snapshot(entry: GraphEntry): void {
    try {
      entry.graph.save(this.snapshotBase(entry.owner, entry.vectorName));
      entry.changes = 0;
      entry.savedAt = Date.now();
    } catch (error) {
      this.options.onBackgroundError?.(error);
    }
  }

  private maybeSnapshot(entry: GraphEntry): void {
    if (
      entry.ready &&
      entry.changes >= this.policy.snapshotAfterChanges &&
      Date.now() - entry.savedAt >= this.policy.snapshotMinIntervalMs
    )
      this.snapshot(entry);
  }

  protected override afterPut(owner: string, point: MemoryPoint, previous: MemoryPoint | undefined): void {
    if (this.bulk) return;
    const rows = this.rowsOf(owner)!;
    for (const [name, vector] of point.vectors) {
      const entry = this.graphs.get(this.key(owner, name));
      if (!entry) {
        if (rows.size >= this.policy.graphFromRows) this.openGraph(rows, name);
        continue;
      }
      if (previous?.vectors.get(name) === vector) continue;
      entry.graph.upsert(point.id, vector);
      entry.changes += 1;
      this.maybeSnapshot(entry);
    }
    for (const name of previous?.vectors.keys() ?? []) {
      if (point.vectors.has(name)) continue;
      this.graphs.get(this.key(owner, name))?.graph.remove(point.id);
    }
  }

  protected override afterRemove(owner: string, point: MemoryPoint): void {
    for (const name of point.vectors.keys()) {
      const key = this.key(owner, name);
      const entry = this.graphs.get(key);
      if (!entry) continue;
      entry.graph.remove(point.id);
      entry.changes += 1;
      if (entry.graph.size === 0 && !this.rowsOf(owner)) {
        this.graphs.delete(key);
        HnswGraph.removeGenerations(this.snapshotBase(owner, name));
      }
    }
  }

  override async upsert(
    owner: string,
    points: readonly UpsertPoint[],
    _options?: WriteOptions,
  ): Promise<string[]> {
    await this.ready();
    const prepared = this.preparePoints(owner, points);
    // The last point of a batch wins for each id, as in a merge.
    const last = [...new Map(prepared.map((p) => [p.id, p])).values()];
    await this.exclusive(async () => {
      await this.durable.put(last.map(({ createdMs: _createdMs, ...point }) => ({ owner, point })));
      for (const p of last) this.put(owner, p);
    });
    return prepared.map((p) => p.id);
  }

  override async updateVectors(
    owner: string,
    updates: readonly VectorUpdate[],
    _options?: WriteOptions,
  ): Promise<void> {
    await this.ready();
    const prepared = this.prepareUpdates(owner, updates);
    await this.exclusive(async () => {
      const next = this.updatedPoints(owner, prepared);
      await this.durable.put(next.map(({ createdMs: _createdMs, ...point }) => ({ owner, point })));
      for (const p of next) this.put(owner, p);
    });
  }

  override async delete(owner: string, ids: readonly string[], _options?: WriteOptions): Promise<void> {
    await this.ready();
    requireOwner(owner);
    const checked = checkIds(ids);
    await this.exclusive(async () => {
      await this.durable.remove(owner, checked);
      for (const id of checked) this.remove(owner, id);
    });
  }

  override async setPayload(
    owner: string,
    ids: readonly string[],
    patch: PayloadPatch,
    _options?: WriteOptions,
  ): Promise<void> {
    await this.ready();
    requireOwner(owner);
    const stored = toStoredPatch(patch);
    const checked = checkIds(ids);
    await this.exclusive(async () => {
      // Only the ids this tenant holds reach the durable copy: a patch of unknown ids costs nothing.
      const next = this.patchedPoints(owner, checked, stored);
      if (next.length === 0) return;
      await this.durable.put(next.map(({ createdMs: _createdMs, ...point }) => ({ owner, point })));
      for (const p of next) this.put(owner, p);
    });
  }

  override async get(owner: string, ids: readonly string[], options?: GetOptions): Promise<StoredPoint[]> {
    await this.ready();
    return super.get(owner, ids, options);
  }

  override async scroll(owner: string, request: ScrollRequest): Promise<ScrollPage> {
    await this.ready();
    return super.scroll(owner, request);
  }

  override async count(owner: string, filter?: VectorFilter): Promise<number> {
    await this.ready();
    return super.count(owner, filter);
  }

  override async searchMulti(owner: string, request: MultiSearchRequest): Promise<SearchHit[]> {
    await this.ready();
    return super.searchMulti(owner, request);
  }

  private readyGraph(owner: string, vectorName: string): GraphEntry | undefined {
    const entry = this.graphs.get(this.key(owner, vectorName));
    return entry?.ready ? entry : undefined;
  }

  /**
   * Exact or graph, the way Qdrant plans by cardinality: a filter that names its points (ids,
   * sha256, image ids, pHash chunks) or leaves few of them by a sample's estimate scans them;
   * otherwise the graph walks with the filter as its acceptance test.
   */
  private plan(rows: TenantRows, filter: NormalizedFilter): Plan {
    if (isEmptyFilter(filter)) {
      return rows.size <= this.policy.exactBelowRows
        ? { kind: 'exact', candidates: [...rows.points.values()] }
        : { kind: 'graph' };
    }
    const seeded = rows.seed(filter);
    const accept = compileFilter(filter);
    if (seeded)
      return { kind: 'exact', candidates: seeded.filter((p) => accept(p.id, p.payload, p.createdMs)) };
    const step = Math.max(1, Math.floor(rows.size / this.policy.planSample));
    let sampled = 0;
    let matched = 0;
    let i = 0;
    for (const p of rows.points.values()) {
      if (i++ % step !== 0) continue;
      sampled += 1;
      if (accept(p.id, p.payload, p.createdMs)) matched += 1;
    }
    const estimate = sampled === 0 ? 0 : (matched / sampled) * rows.size;
    if (estimate <= this.policy.exactBelowRows) {
      const candidates: MemoryPoint[] = [];
      for (const p of rows.points.values()) if (accept(p.id, p.payload, p.createdMs)) candidates.push(p);
      return { kind: 'exact', candidates };
    }
    return { kind: 'graph', accept };
  }

  /**
   * The graph's best `fetch` for the query, re-scored with the stored vectors (exact cosines, the
   * order of every adapter); undefined when a tie straddles the end, so the caller scans instead.
   */
  private graphHits(
    entry: GraphEntry,
    rows: TenantRows,
    query: Float32Array,
    fetch: number,
    ef: number | undefined,
    accept: ((p: MemoryPoint) => boolean) | undefined,
  ): { point: MemoryPoint; score: number; id: string }[] | undefined {
    const found = entry.graph.search(
      query,
      fetch + 1,
      ef ?? this.policy.ef,
      accept
        ? (id) => {
            const p = rows.points.get(id);
            return p !== undefined && accept(p);
          }
        : undefined,
    );
    const scored: { point: MemoryPoint; score: number; id: string }[] = [];
    for (const hit of found) {
      const point = rows.points.get(hit.id);
      const vector = point?.vectors.get(entry.vectorName);
      if (point && vector) scored.push({ point, id: point.id, score: dot(query, vector) });
    }
    scored.sort(compareHits);
    if (scored.length > fetch && scored[fetch - 1]!.score === scored[fetch]!.score) return undefined;
    return scored.slice(0, fetch);
  }

  override async search(owner: string, request: SearchRequest): Promise<SearchHit[]> {
    await this.ready();
    requireOwner(owner);
    const layout = this.requireLayout();
    const query = layout.normalizeGlobal(request.vectorName, request.vector);
    const { limit, offset, threshold, filter } = this.checkSearch(request);
    const withPayload = checkPayloadSelector(request.withPayload);
    const entry = this.readyGraph(owner, request.vectorName);
    const rows = this.rowsOf(owner);
    if (request.exact || !entry || !rows) return super.search(owner, request);
    const plan = this.plan(rows, filter);
    const fetch = offset + limit;
    const hits =
      plan.kind === 'graph'
        ? this.graphHits(
            entry,
            rows,
            query,
            fetch,
            request.ef,
            plan.accept && ((p) => plan.accept!(p.id, p.payload, p.createdMs)),
          )
        : this.exactHits(plan.candidates, request.vectorName, query, fetch);
    const page = (hits ?? this.exactHits(this.matching(owner, filter), request.vectorName, query, fetch))
      .filter((h) => threshold === undefined || h.score >= threshold)
      .slice(offset, offset + limit);
    return page.map((h) => this.hit(h.point, h.score, withPayload));
  }

  override async neighbours(owner: string, request: NeighboursRequest): Promise<PointNeighbours[]> {
    await this.ready();
    requireOwner(owner);
    this.requireLayout().require(request.vectorName, 'global');
    const k = checkLimit(request.k, 'k');
    const threshold = checkThreshold(request.scoreThreshold);
    const filter = normalizeFilter(request.filter);
    const entry = this.readyGraph(owner, request.vectorName);
    const rows = this.rowsOf(owner);
    if (request.exact || !entry || !rows) return super.neighbours(owner, request);
    const plan = this.plan(rows, filter);
    if (plan.kind === 'exact') return super.neighbours(owner, request);
    const sources = request.ids
      ? this.neighbourSources(owner, request, [])
      : this.matching(owner, filter)
          .filter((p) => p.vectors.has(request.vectorName))
          .sort((a, b) => (a.id < b.id ? -1 : 1));
    const vectorName = request.vectorName;
    return sources.map((source) => {
      const accept = (p: MemoryPoint) =>
        p.id !== source.id &&
        p.vectors.has(vectorName) &&
        (!plan.accept || plan.accept(p.id, p.payload, p.createdMs));
      const vector = source.vectors.get(vectorName)!;
      const hits =
        this.graphHits(entry, rows, vector, k, request.ef, accept) ??
        this.exactHits(this.matching(owner, filter).filter(accept), vectorName, vector, k);
      return {
        id: source.id,
        neighbours: hits
          .filter((h) => threshold === undefined || h.score >= threshold)
          .map((h) => ({ id: h.id, score: h.score })),
      };
    });
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    // Writes already queued finish first; anything after this is refused.
    await this.writeQueue;
    this.closed = true;
    await Promise.all([...this.builds]);
    for (const entry of this.graphs.values()) if (entry.ready && entry.changes > 0) this.snapshot(entry);
    await this.durableCopy?.close();
    if (this.lockHeld) rmSync(join(this.graphDir, 'LOCK'), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
