import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { Index, connect, type Connection, type Table, type VectorQuery } from '@lancedb/lancedb';
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
import { normalizeFilter, type NormalizedFilter, type VectorFilter } from '../filter/vector-filter';
import {
  DEFAULT_COLLECTION,
  namedVectorsOf,
  type CollectionDescription,
  type CollectionSpec,
  type GetOptions,
  type MultiSearchRequest,
  type NamedVectorDescription,
  type NeighboursRequest,
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
import { PAYLOAD_COLUMN_NAMES, tableSchema, vectorField } from './lancedb-schema';
import { sqlNumber, sqlString, sqlStringList, whereClause } from './lancedb-sql';

export type LanceIndexType = 'ivf_hnsw_sq' | 'ivf_hnsw_pq' | 'ivf_pq' | 'ivf_flat' | 'ivf_rq';

export interface LanceIndexPolicy {
  /** Rows with a vector before its ANN index is built; smaller tables are scanned exactly. */
  minRows: number;
  /**
   * Queries whose filter (owner included) leaves at most this many rows scan exactly even when
   * an index exists: exact is cheap there, and an IVF index can miss a small tenant's rows.
   */
  exactBelowRows: number;
  /** Index type per quantization option of the collection spec. */
  types: Record<QuantizationSpec['kind'], LanceIndexType>;
  /** Default search breadth (HNSW ef) when the query gives none. */
  ef: number;
  /** IVF partitions probed per query. */
  nprobes: number;
  /** Unindexed rows (after the index exists) that trigger an incremental index update. */
  reindexAfterRows: number;
  /** Rows before scalar (payload) indexes are built. */
  scalarIndexMinRows: number;
  /**
   * How often background maintenance looks at the indexes (`optimize()` always does): the look
   * lists them and counts rows, one count filtered on the vector column, which reads that column.
   */
  checkIntervalMs: number;
  /**
   * Candidates re-scored with the original vectors per hit. Default: the collection's
   * quantization oversampling when rescoring is on; for an unquantized collection 2 when its
   * index quantizes anyway (IVF-HNSW-SQ, IVF-PQ, IVF-RQ), so scores are exact cosines.
   */
  refineFactor?: number;
}

const DECISION_TTL_MS = 10_000;
/**
 * The index of an unquantized collection still holds int8 (SQ) codes: at 100k clustered 512-d
 * rows its top 10 reached recall 0.973 at any ef, and 1.000 when the best 2x candidates are
 * re-scored with the stored vectors (docs/vector-store.md, recall table).
 */
const UNQUANTIZED_REFINE = 2;
const MAX_CACHED_DECISIONS = 1024;

/**
 * Exact scans cost about 3.5 ms per 1000 rows here (70 ms at 20k, 170 ms at 50k on the 2-core
 * machine) and the ANN query 6-15 ms at any size, so the index comes early; a filter that leaves
 * at most 5000 rows scans exactly (Qdrant's default full_scan_threshold of 10 MB of vectors is the
 * same 5000 at 512-d). ANN with a prefilter leaving 5k-20k rows kept recall@10 at 0.97-1.0
 * (docs/vector-store.md, "Exact or ANN").
 */
export const DEFAULT_LANCE_INDEX_POLICY: LanceIndexPolicy = {
  minRows: 10_000,
  exactBelowRows: 5_000,
  types: { none: 'ivf_hnsw_sq', scalar: 'ivf_hnsw_sq', product: 'ivf_pq', binary: 'ivf_rq' },
  ef: 256,
  nprobes: 20,
  reindexAfterRows: 10_000,
  scalarIndexMinRows: 10_000,
  // Looked at after every write, the indexes cost an upload of the distributed stack about 25 ms of
  // waiting at 200 rows, growing with the table (docs/vector-store.md, "Maintenance"). An index
  // built or brought up to date up to 10 s later changes no answer: until then the rows it lacks are
  // scanned exactly.
  checkIntervalMs: 10_000,
};

/**
 * When the table is compacted (`table.optimize()`: small fragments merged, the index brought up to
 * date, versions older than `keepVersionsMs` and their files removed). Every write (an upsert,
 * setPayload, delete, updateVectors or insertNew call) commits a version and at least one data
 * file, and a query pays for every fragment: after 3,500 single-row writes a 690-row table answered
 * in 195 ms instead of 13 (docs/vector-store.md, "Maintenance").
 */
export interface LanceMaintenancePolicy {
  /** Writes since the last compaction that make the next one due. */
  compactEveryWrites: number;
  /** Never compact more often than this. */
  minIntervalMs: number;
  /** No write waits longer than this for its compaction, however few writes follow it. */
  maxIntervalMs: number;
  /**
   * Versions older than this (and the files only they use) are removed at each compaction. A
   * reader or writer in another process still working on such a version would lose its files: a
   * commit that must rebase over a removed version fails, so this is far above any query or write.
   */
  keepVersionsMs: number;
  /**
   * The largest share of time compaction may take: the next one waits at least the last one's
   * duration times (1 - share) / share. Compaction rewrites every fragment below a million rows,
   * so its cost grows with the table (0.75 s at 100k 512-d rows) and this keeps a large table from
   * being rewritten every few seconds.
   */
  maxBusyShare: number;
}

/** 20 writes or a minute, whichever comes first (at most once a second); versions kept a minute. */
export const DEFAULT_LANCE_MAINTENANCE_POLICY: LanceMaintenancePolicy = {
  compactEveryWrites: 20,
  minIntervalMs: 1_000,
  maxIntervalMs: 60_000,
  keepVersionsMs: 60_000,
  maxBusyShare: 0.1,
};

export interface LanceDbVectorStoreOptions {
  /** Directory that holds the tables; everything survives a restart. */
  dir: string;
  collection?: string;
  index?: Partial<LanceIndexPolicy>;
  /** Build indexes in the background after writes (default true); `optimize()` runs it on demand. */
  autoIndex?: boolean;
  /**
   * Background compaction (DEFAULT_LANCE_MAINTENANCE_POLICY, whether or not an index exists);
   * `false` leaves it to `optimize()`.
   */
  maintenance?: Partial<LanceMaintenancePolicy> | false;
  /**
   * Receives failures of background maintenance (the writes themselves had succeeded; the work is
   * tried again later). Default: a warning through Nest's Logger.
   */
  onMaintenanceError?: (error: unknown) => void;
}

type Row = Record<string, unknown>;

const SCALAR_INDEXES: readonly [string, 'btree' | 'labelList'][] = [
  ['id', 'btree'],
  ['owner_user_id', 'btree'],
  ['sha256', 'btree'],
  ['image_id', 'btree'],
  ['created_at_ms', 'btree'],
  ['quality_score', 'btree'],
  ['nsfw_score', 'btree'],
  ['anomaly_score', 'btree'],
  ['tags', 'labelList'],
  ['quality_flags', 'labelList'],
  ['phash_chunks', 'labelList'],
];

const NEIGHBOUR_CONCURRENCY = 4;

/**
 * The columns a payload selector reads, `id` always among them. Reading fewer columns is most of
 * a narrow read's gain: at 100k rows a top-11 ANN query that takes every payload column costs
 * about twice the CPU of one that takes `id`, `image_id` and `key` (docs/search.md).
 */
function payloadColumns(selector: PayloadSelector): string[] {
  if (selector === true) return PAYLOAD_COLUMN_NAMES;
  return ['id', ...storedFieldsOf(selector)];
}
const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Reads arrow values (Vector, typed array, plain array) into a Float32Array. */
function toFloat32(value: unknown): Float32Array | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Float32Array) return Float32Array.from(value);
  const v = value as { toArray?: () => ArrayLike<number> };
  if (typeof v.toArray === 'function') return Float32Array.from(v.toArray());
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  return undefined;
}

function toCrops(value: unknown): Float32Array[] | undefined {
  if (value === null || value === undefined) return undefined;
  const out: Float32Array[] = [];
  for (const item of value as Iterable<unknown>) {
    const f = toFloat32(item);
    if (f) out.push(f);
  }
  return out;
}

function toStrings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  const v = value as { toArray?: () => unknown[] };
  const arr = typeof v.toArray === 'function' ? v.toArray() : (value as unknown[]);
  return Array.from(arr).filter((x): x is string => typeof x === 'string');
}

function rowPayload(row: Row): StoredPayload {
  return {
    ...(row as unknown as StoredPayload),
    tags: toStrings(row.tags),
    quality_flags: toStrings(row.quality_flags),
    phash_chunks: toStrings(row.phash_chunks),
  };
}

/** A lease not refreshed for this long belongs to a process that died; it may be taken over. */
const LEASE_STALE_MS = 30_000;
const LEASE_HEARTBEAT_MS = 5_000;
/** Lets writes of other processes that began before the compaction lease commit first. */
const COMPACTION_GRACE_MS = 100;
const LEASE_POLL_MS = 25;
/** Consecutive failed compactions double the wait before the next, up to 2^5 times. */
const MAX_BACKOFF_EXPONENT = 5;

type LeasePurpose = 'compact' | 'index';

function isCommitConflict(error: unknown): boolean {
  return /commit conflict|preempted by concurrent transaction/i.test(String(error));
}

/**
 * Best-effort lock file beside the table for the heavy maintenance (compaction, index builds), so
 * that services opening the same directory (the distributed mode on one machine) take turns: a
 * compaction committed during another process's index build fails that build, and two concurrent
 * compactions fail one of them, leaving its rewritten files behind for Lance's 7-day sweep. Writes
 * of every store wait while another holds it for compaction, as they wait behind their own.
 * Two holders at once (a stale lease taken over twice) only bring those conflicts back.
 */
class MaintenanceLease {
  private readonly token = randomUUID();

  constructor(private readonly path: string) {}

  /** The lease for `purpose`, or null while another store holds a fresh one. */
  async tryAcquire(purpose: LeasePurpose): Promise<{ release(): Promise<void> } | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const body = JSON.stringify({ token: this.token, purpose, pid: process.pid, host: hostname() });
      try {
        await writeFile(this.path, body, { flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const held = await this.holder();
        if (held && !held.stale) return null;
        await unlink(this.path).catch(() => undefined);
        continue;
      }
      const heartbeat = setInterval(() => {
        const now = new Date();
        utimes(this.path, now, now).catch(() => undefined);
      }, LEASE_HEARTBEAT_MS);
      heartbeat.unref();
      return {
        release: async () => {
          clearInterval(heartbeat);
          if ((await this.holder())?.token === this.token) await unlink(this.path).catch(() => undefined);
        },
      };
    }
    return null;
  }

  /** Polls until the lease is free (explicit `optimize()`, which must not be skipped). */
  async acquire(purpose: LeasePurpose): Promise<{ release(): Promise<void> }> {
    for (;;) {
      const lease = await this.tryAcquire(purpose);
      if (lease) return lease;
      await sleep(LEASE_POLL_MS * 4);
    }
  }

  /** Waits while another store compacts, so that a write does not preempt (or race) its commit. */
  async waitWhileOthersCompact(): Promise<void> {
    const since = Date.now();
    while (Date.now() - since < LEASE_STALE_MS) {
      const held = await this.holder();
      if (!held || held.stale || held.token === this.token || held.purpose !== 'compact') return;
      await sleep(LEASE_POLL_MS);
    }
  }

  private async holder(): Promise<{ token: string; purpose: string; stale: boolean } | null> {
    try {
      const info = await stat(this.path);
      const stale = Date.now() - info.mtimeMs > LEASE_STALE_MS;
      try {
        const parsed = JSON.parse(await readFile(this.path, 'utf8')) as { token?: string; purpose?: string };
        return { token: parsed.token ?? '', purpose: parsed.purpose ?? '', stale };
      } catch (error) {
        // Being written by its creator: held (for compaction, the cautious reading) until stale.
        if (error instanceof SyntaxError) return { token: '', purpose: 'compact', stale };
        throw error;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}

/** Files directly under `path` (whose names end with `suffix`); 0 when it does not exist. */
async function countFiles(path: string, suffix = ''): Promise<number> {
  try {
    return (await readdir(path)).filter((name) => name.endsWith(suffix)).length;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * LanceDB (embedded, on disk) adapter: one table per collection with named vector columns.
 * Exact search until a vector column holds `minRows` rows, then an ANN index built in the
 * background; crop multivectors are LanceDB multivector columns (max-similarity per query vector).
 */
export class LanceDbVectorStore implements VectorStore {
  private readonly dir: string;
  private readonly name: string;
  private readonly policy: LanceIndexPolicy;
  private readonly autoIndex: boolean;
  private connection: Connection | null = null;
  private table: Table | null = null;
  private state: CollectionState | null = null;
  private layout: VectorLayout | null = null;
  private writes: Promise<unknown> = Promise.resolve();
  private maintenance: Promise<void> | null = null;
  /** Vector columns with an ANN index, re-read after DECISION_TTL_MS or an index build. */
  private indexedColumns: { names: Set<string>; at: number } | null = null;
  /** Exact-or-ANN decisions per (vector, filter): counting a tenant's rows costs a scan. */
  private readonly exactDecisions = new Map<string, { exact: boolean; at: number }>();
  private maintenanceAgain = false;
  private closed = false;
  private readonly upkeep: LanceMaintenancePolicy | null;
  private readonly lease: MaintenanceLease;
  private readonly logger = new Logger(LanceDbVectorStore.name);
  /** Writes committed by this store since its last compaction. */
  private writesSinceCompaction = 0;
  /** When the oldest of those writes was committed: none waits longer than `maxIntervalMs`. */
  private firstPendingAt: number | null = null;
  private inheritedCounted = false;
  /** When the last compaction attempt ended (or the store was created), and how long it took. */
  private lastAttempt = { endedAt: Date.now(), ms: 0 };
  private lastCompaction: { at: number; ms: number } | null = null;
  private compactions = 0;
  private failedCompactions = 0;
  private consecutiveFailures = 0;
  private compactionTimer: { handle: NodeJS.Timeout; dueAt: number } | null = null;
  /** When the indexes were last looked at, and whether an ANN index then lagged `reindexAfterRows`. */
  private indexCheck: { at: number; reindex: boolean } | null = null;
  private indexChecks = 0;
  /** Brings maintenance back when a look at the indexes was skipped, whether or not writes follow. */
  private indexCheckTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LanceDbVectorStoreOptions) {
    if (!options.dir) throw LookalikeError.invalid('the LanceDB store needs a data directory');
    this.dir = options.dir;
    this.name = options.collection ?? DEFAULT_COLLECTION;
    if (!NAME_RE.test(this.name))
      throw LookalikeError.invalid('collection names are letters, digits, "_" and "-"', {
        collection: this.name,
      });
    this.policy = { ...DEFAULT_LANCE_INDEX_POLICY, ...(options.index ?? {}) };
    this.autoIndex = options.autoIndex ?? true;
    this.upkeep =
      options.maintenance === false
        ? null
        : { ...DEFAULT_LANCE_MAINTENANCE_POLICY, ...(options.maintenance ?? {}) };
    this.lease = new MaintenanceLease(join(this.dir, `${this.name}.maintenance.lock`));
  }

  private get tablePath(): string {
    return join(this.dir, `${this.name}.lance`);
  }

  private get specPath(): string {
    return join(this.dir, `${this.name}.collection.json`);
  }

  private async db(): Promise<Connection> {
    if (this.closed) throw new LookalikeError('unavailable', 'the vector store is closed');
    if (!this.connection) {
      await mkdir(this.dir, { recursive: true });
      // Check for newer table versions on every read: in the distributed mode other processes
      // (ingest) write the same directory, and without this a reader keeps the version it opened.
      this.connection = await connect(this.dir, { readConsistencyInterval: 0 });
    }
    return this.connection;
  }

  private async readState(): Promise<CollectionState | null> {
    try {
      return JSON.parse(await readFile(this.specPath, 'utf8')) as CollectionState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private async writeState(state: CollectionState): Promise<void> {
    const tmp = `${this.specPath}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state, null, 2));
    await rename(tmp, this.specPath);
  }

  /** Opens the table and its recorded spec once; later calls reuse them. */
  private async open(): Promise<{ table: Table; layout: VectorLayout }> {
    if (this.table && this.layout) return { table: this.table, layout: this.layout };
    const db = await this.db();
    const state = await this.readState();
    const names = await db.tableNames();
    if (!state || !names.includes(this.name)) {
      throw new LookalikeError(
        'unavailable',
        `collection ${this.name} does not exist; call ensureCollection first`,
      );
    }
    this.table = await db.openTable(this.name);
    this.state = state;
    this.layout = new VectorLayout(state.models);
    return { table: this.table, layout: this.layout };
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * A data write on the serialized queue. It waits while another store compacts this table (as it
   * waits behind this store's own compaction), and counts toward the next compaction.
   */
  private commit<T>(work: () => Promise<T>): Promise<T> {
    return this.serialize(async () => {
      await this.lease.waitWhileOthersCompact();
      const result = await work();
      this.writesSinceCompaction += 1;
      this.firstPendingAt ??= Date.now();
      this.scheduleMaintenance();
      return result;
    });
  }

  async ensureCollection(spec: CollectionSpec): Promise<CollectionDescription> {
    checkSpec(spec);
    return this.serialize(async () => {
      const db = await this.db();
      const existing = await this.readState();
      const exists = (await db.tableNames()).includes(this.name);
      const { state, added } = mergeSpec(exists ? existing : null, spec);
      if (!exists) {
        this.table = await db.createEmptyTable(this.name, tableSchema(namedVectorsOf(state.models)), {
          existOk: false,
        });
      } else {
        this.table = await db.openTable(this.name);
        const present = new Set((await this.table.schema()).fields.map((f) => f.name));
        const missing = namedVectorsOf(added).filter((v) => !present.has(v.name));
        // New models arrive as nullable columns: existing rows keep serving the old model.
        if (missing.length > 0) await this.table.addColumns(missing.map(vectorField));
      }
      await this.writeState(state);
      this.state = state;
      this.layout = new VectorLayout(state.models);
      return this.describe(this.table, state);
    });
  }

  async describeCollection(): Promise<CollectionDescription | null> {
    const db = await this.db();
    if (!(await db.tableNames()).includes(this.name) || !(await this.readState())) return null;
    const { table } = await this.open();
    return this.describe(table, this.state!);
  }

  private async describe(table: Table, state: CollectionState): Promise<CollectionDescription> {
    const indices = await table.listIndices();
    const engine: Record<string, string | number | boolean> = { engine: 'lancedb' };
    for (const v of namedVectorsOf(state.models)) {
      const idx = indices.find((i) => i.columns.includes(v.name));
      engine[`${v.name}.index`] = idx ? idx.indexType : 'exact';
    }
    // What maintenance keeps bounded: fragments of the current version, data files on disk (old
    // versions' included until they are removed) and versions (manifests).
    engine.fragments = (await table.stats()).fragmentStats.numFragments;
    engine.dataFiles = await countFiles(join(this.tablePath, 'data'));
    engine.versions = await countFiles(join(this.tablePath, '_versions'), '.manifest');
    engine.writesSinceCompaction = this.writesSinceCompaction;
    engine.compactions = this.compactions;
    engine.failedCompactions = this.failedCompactions;
    engine.indexChecks = this.indexChecks;
    if (this.lastCompaction) {
      engine.lastMaintenanceAt = new Date(this.lastCompaction.at).toISOString();
      engine.lastMaintenanceMs = this.lastCompaction.ms;
    }
    return {
      name: this.name,
      vectors: namedVectorsOf(state.models),
      models: state.models.map((m) => ({ ...m })),
      pointsCount: await table.countRows(),
      hnsw: { ...state.hnsw },
      quantization: { ...state.quantization },
      engine,
    };
  }

  private toRow(
    id: string,
    payload: StoredPayload,
    vectors: Map<string, Float32Array>,
    multi: Map<string, Float32Array[]>,
    all: NamedVectorDescription[],
  ): Row {
    const row: Row = { id, ...payload, created_at_ms: Date.parse(payload.created_at) };
    for (const v of all) {
      row[v.name] = v.kind === 'global' ? (vectors.get(v.name) ?? null) : (multi.get(v.name) ?? null);
    }
    return row;
  }

  /** One row per point id (the last point of an id wins), checked and normalised. */
  private rowsOf(owner: string, layout: VectorLayout, points: readonly UpsertPoint[]): Row[] {
    requireOwner(owner);
    const all = [...layout.vectors.values()];
    const rows = new Map<string, Row>();
    for (const point of points) {
      if (point.payload?.ownerUserId !== owner)
        throw LookalikeError.invalid('payload.ownerUserId must equal the owner of the call');
      const payload = toStoredPayload(point.payload);
      const id = pointIdFor(owner, payload.sha256);
      const { vectors, multivectors } = layout.normalizePoint(point);
      rows.set(id, this.toRow(id, payload, vectors, multivectors, all));
    }
    return [...rows.values()];
  }

  async upsert(owner: string, points: readonly UpsertPoint[]): Promise<string[]> {
    requireOwner(owner);
    const { table, layout } = await this.open();
    const rows = this.rowsOf(owner, layout, points);
    if (rows.length > 0) await this.commit(() => this.merge(table, rows));
    return points.map((p) => pointIdFor(owner, p.payload.sha256));
  }

  /**
   * Appends points the caller knows are not stored yet (LanceDB only, not part of the port): a
   * plain append instead of upsert's merge on `id`, which must find the id among all stored rows
   * first (docs/vector-store.md, "Write cost"). Same checks and result as `upsert`; durable and
   * visible when it resolves (`wait` changes nothing). A point whose id is already stored is
   * stored a second time, so only a caller that owns that knowledge may use it.
   */
  async insertNew(owner: string, points: readonly UpsertPoint[], _options?: WriteOptions): Promise<string[]> {
    requireOwner(owner);
    const { table, layout } = await this.open();
    const rows = this.rowsOf(owner, layout, points);
    if (rows.length > 0) await this.commit(() => table.add(rows));
    return points.map((p) => pointIdFor(owner, p.payload.sha256));
  }

  private async merge(table: Table, rows: Row[]): Promise<void> {
    await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
  }

  async updateVectors(owner: string, updates: readonly VectorUpdate[]): Promise<void> {
    requireOwner(owner);
    const { table, layout } = await this.open();
    const prepared = updates.map((u) => ({ id: checkIds([u.id])[0]!, ...layout.normalizePoint(u) }));
    if (prepared.length === 0) return;
    await this.commit(async () => {
      const existing = await this.rows(
        table,
        whereClause(owner, normalizeFilter({ ids: prepared.map((p) => p.id) })),
        undefined,
        prepared.length,
      );
      const byId = new Map(existing.map((r) => [r.id as string, r]));
      const rows = prepared.map((u) => {
        const row = byId.get(u.id);
        if (!row) throw LookalikeError.notFound('point', u.id);
        const next: Row = {
          ...row,
          tags: toStrings(row.tags),
          quality_flags: toStrings(row.quality_flags),
          phash_chunks: toStrings(row.phash_chunks),
        };
        for (const v of layout.vectors.values()) {
          if (v.kind === 'global') next[v.name] = u.vectors.get(v.name) ?? toFloat32(row[v.name]) ?? null;
          else next[v.name] = u.multivectors.get(v.name) ?? toCrops(row[v.name]) ?? null;
        }
        return next;
      });
      await this.merge(table, rows);
    });
  }

  async delete(owner: string, ids: readonly string[]): Promise<void> {
    requireOwner(owner);
    const checked = checkIds(ids);
    if (checked.length === 0) return;
    const { table } = await this.open();
    await this.commit(() => table.delete(whereClause(owner, normalizeFilter({ ids: checked }))));
  }

  private async rows(
    table: Table,
    where: string,
    columns: string[] | undefined,
    limit: number,
  ): Promise<Row[]> {
    let q = table.query().where(where).limit(limit);
    if (columns) q = q.select(columns);
    return (await q.toArray()) as Row[];
  }

  private columnsFor(
    layout: VectorLayout,
    withVectors: GetOptions['withVectors'],
    withPayload: PayloadSelector = true,
  ): { columns: string[]; vectors: NamedVectorDescription[] } {
    const vectors = [...layout.vectors.values()].filter(
      (v) => withVectors === true || (Array.isArray(withVectors) && withVectors.includes(v.name)),
    );
    return { columns: [...payloadColumns(withPayload), ...vectors.map((v) => v.name)], vectors };
  }

  private toPoint(row: Row, vectors: NamedVectorDescription[], withVectors: boolean): StoredPoint {
    const point: StoredPoint = { id: row.id as string, payload: fromStoredPayload(rowPayload(row)) };
    if (withVectors) {
      point.vectors = {};
      point.multivectors = {};
      for (const v of vectors) {
        if (v.kind === 'global') {
          const f = toFloat32(row[v.name]);
          if (f) point.vectors[v.name] = f;
        } else {
          const c = toCrops(row[v.name]);
          if (c) point.multivectors[v.name] = c;
        }
      }
    }
    return point;
  }

  async get(owner: string, ids: readonly string[], options: GetOptions = {}): Promise<StoredPoint[]> {
    requireOwner(owner);
    const checked = checkIds(ids);
    const { table, layout } = await this.open();
    if (checked.length === 0) return [];
    const { columns, vectors } = this.columnsFor(layout, options.withVectors);
    const rows = await this.rows(
      table,
      whereClause(owner, normalizeFilter({ ids: checked })),
      columns,
      checked.length,
    );
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    return checked.flatMap((id) => {
      const row = byId.get(id);
      return row ? [this.toPoint(row, vectors, !!options.withVectors)] : [];
    });
  }

  async setPayload(owner: string, ids: readonly string[], patch: PayloadPatch): Promise<void> {
    requireOwner(owner);
    const checked = checkIds(ids);
    const stored = toStoredPatch(patch);
    const { table } = await this.open();
    if (checked.length === 0) return;
    const valuesSql: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored)) {
      if (Array.isArray(value)) valuesSql[key] = sqlStringList(value as string[]);
      else if (typeof value === 'number') valuesSql[key] = sqlNumber(value);
      else valuesSql[key] = sqlString(value as string);
    }
    if (stored.created_at !== undefined) valuesSql.created_at_ms = sqlNumber(Date.parse(stored.created_at));
    await this.commit(() =>
      table.update({ valuesSql, where: whereClause(owner, normalizeFilter({ ids: checked })) }),
    );
  }

  /** Whether this query should bypass the ANN index (none yet, asked to, or few rows to scan). */
  private async useExact(
    table: Table,
    vectorName: string,
    where: string,
    exact: boolean | undefined,
  ): Promise<boolean> {
    if (exact) return true;
    const now = Date.now();
    if (!this.indexedColumns || now - this.indexedColumns.at > DECISION_TTL_MS) {
      const indices = await table.listIndices();
      this.indexedColumns = { names: new Set(indices.flatMap((i) => i.columns)), at: now };
    }
    if (!this.indexedColumns.names.has(vectorName)) return true;
    // A decision is reused for a few seconds: counting the filtered rows is a scan that costs far
    // more than the search itself on a large table. A stale answer only picks the slower path or,
    // for a tenant that just shrank below the threshold, the index for up to DECISION_TTL_MS.
    const key = `${vectorName}\u0000${where}`;
    const cached = this.exactDecisions.get(key);
    if (cached && now - cached.at < DECISION_TTL_MS) return cached.exact;
    const decision = (await table.countRows(where)) <= this.policy.exactBelowRows;
    if (this.exactDecisions.size >= MAX_CACHED_DECISIONS) {
      const oldest = this.exactDecisions.keys().next().value;
      if (oldest !== undefined) this.exactDecisions.delete(oldest);
    }
    this.exactDecisions.set(key, { exact: decision, at: now });
    return decision;
  }

  private tune(q: VectorQuery, exact: boolean, ef: number | undefined, fetch: number): VectorQuery {
    if (exact) return q.bypassVectorIndex();
    const quantized = this.state?.quantization;
    const tuned = q.ef(Math.max(ef ?? this.policy.ef, fetch)).nprobes(this.policy.nprobes);
    const kind = quantized?.kind ?? 'none';
    const refine =
      this.policy.refineFactor ??
      (kind === 'none'
        ? this.policy.types.none === 'ivf_flat'
          ? 1
          : UNQUANTIZED_REFINE
        : quantized?.rescore !== false
          ? Math.ceil(quantized?.oversampling ?? 2)
          : 1);
    return refine > 1 ? tuned.refineFactor(refine) : tuned;
  }

  private async vectorHits(
    table: Table,
    query: Float32Array | Float32Array[],
    vectorName: string,
    where: string,
    fetch: number,
    exact: boolean,
    ef: number | undefined,
    withPayload: PayloadSelector,
    minScore?: number,
  ): Promise<SearchHit[]> {
    const input = Array.isArray(query) ? query.map((q) => Array.from(q)) : query;
    let base = table
      .vectorSearch(input)
      .column(vectorName)
      .distanceType('cosine')
      .where(where)
      .limit(fetch)
      .select([...payloadColumns(withPayload), '_distance']);
    // A little slack keeps float rounding from dropping the boundary hits themselves.
    if (minScore !== undefined) base = base.distanceRange(undefined, 1 - minScore + 1e-6);
    const rows = ((await this.tune(base, exact, ef, fetch).toArray()) as Row[]).filter(
      (row) => typeof row._distance === 'number' && Number.isFinite(row._distance),
    );
    return rows.map((row) => {
      const score = 1 - (row._distance as number);
      return withPayload === false
        ? { id: row.id as string, score }
        : { id: row.id as string, score, payload: fromStoredPayload(rowPayload(row)) };
    });
  }

  async search(owner: string, request: SearchRequest): Promise<SearchHit[]> {
    requireOwner(owner);
    const { table, layout } = await this.open();
    const query = layout.normalizeGlobal(request.vectorName, request.vector);
    const { limit, offset, threshold, filter, ef } = this.checkSearch(request);
    // No `<vector> IS NOT NULL` condition: it reads the whole vector column (120 ms at 100k rows,
    // and a filtered exact scan of 3000 rows took 350 ms with it). Rows without the vector (a model
    // being re-indexed) come back without a distance, after every row that has one, and are dropped.
    const where = whereClause(owner, filter);
    const exact = await this.useExact(table, request.vectorName, where, request.exact);
    const withPayload = checkPayloadSelector(request.withPayload);
    const hits = await topWithTies(offset + limit, (n, min) =>
      this.vectorHits(table, query, request.vectorName, where, n, exact, ef, withPayload, min),
    );
    return pageHits(hits, offset, limit, threshold);
  }

  private checkSearch(request: Omit<SearchRequest, 'vector'>) {
    return {
      limit: checkLimit(request.limit),
      offset: checkOffset(request.offset),
      threshold: checkThreshold(request.scoreThreshold),
      filter: normalizeFilter(request.filter),
      ef: checkEf(request.ef),
    };
  }

  async searchMulti(owner: string, request: MultiSearchRequest): Promise<SearchHit[]> {
    requireOwner(owner);
    const { table, layout } = await this.open();
    const queries = layout.normalizeCrops(request.vectorName, request.vectors);
    const { limit, offset, threshold, filter, ef } = this.checkSearch(request);
    const where = whereClause(owner, filter, [`${request.vectorName} IS NOT NULL`]);
    const fetch = offset + limit;
    // One query vector per search: LanceDB scores a multivector by max similarity over the
    // stored crops; the best of those per point across query vectors is the max-score merge.
    // Each point's best query vector ranks it inside that query's top `fetch`, so the merge is exact.
    const withPayload = checkPayloadSelector(request.withPayload);
    const lists = await Promise.all(
      queries.map((q) =>
        topWithTies(fetch, (n, min) =>
          this.vectorHits(table, [q], request.vectorName, where, n, true, ef, withPayload, min),
        ),
      ),
    );
    return pageHits(mergeMaxScore(lists), offset, limit, threshold);
  }

  async batchSearch(owner: string, requests: readonly SearchRequest[]): Promise<SearchHit[][]> {
    return Promise.all(requests.map((r) => this.search(owner, r)));
  }

  async scroll(owner: string, request: ScrollRequest): Promise<ScrollPage> {
    requireOwner(owner);
    checkOrderBy(request);
    const limit = checkLimit(request.limit);
    const order = orderSignature(request);
    const cursor = decodeCursor(request.cursor, order);
    const { table, layout } = await this.open();
    const column = request.orderBy
      ? request.orderBy.field === 'created_at'
        ? 'created_at_ms'
        : request.orderBy.field
      : undefined;
    const desc = request.orderBy?.direction === 'desc';
    const extra: string[] = [];
    if (cursor) {
      const afterId = `id > ${sqlString(cursor.id)}`;
      if (column && cursor.value !== undefined) {
        const v = sqlNumber(cursor.value);
        extra.push(`${column} ${desc ? '<' : '>'} ${v} OR (${column} = ${v} AND ${afterId})`);
      } else extra.push(afterId);
    }
    const selector = checkPayloadSelector(request.withPayload);
    const selected = this.columnsFor(layout, request.withVectors, selector);
    const { vectors } = selected;
    // The order column is read for the cursor even when the payload selector leaves it out.
    const columns =
      column && !selected.columns.includes(column) ? [...selected.columns, column] : selected.columns;
    const ordering = [
      ...(column ? [{ columnName: column, ascending: !desc }] : []),
      { columnName: 'id', ascending: true },
    ];
    const rows = (await table
      .query()
      .where(whereClause(owner, normalizeFilter(request.filter), extra))
      .orderBy(ordering)
      .limit(limit + 1)
      .select(columns)
      .toArray()) as Row[];
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      points: page.map((r) => {
        const point = this.toPoint(r, vectors, !!request.withVectors);
        // The order column was read for the cursor; the caller gets the fields it selected.
        return selector === true ? point : { ...point, payload: selectPayload(point.payload, selector) };
      }),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({
              order,
              id: last.id as string,
              value: column ? (last[column] as number) : undefined,
            })
          : undefined,
    };
  }

  async count(owner: string, filter?: VectorFilter): Promise<number> {
    requireOwner(owner);
    const nf = normalizeFilter(filter);
    const { table } = await this.open();
    return table.countRows(whereClause(owner, nf));
  }

  async neighbours(owner: string, request: NeighboursRequest): Promise<PointNeighbours[]> {
    requireOwner(owner);
    const { table, layout } = await this.open();
    const vector = layout.require(request.vectorName, 'global');
    const k = checkLimit(request.k, 'k');
    const threshold = checkThreshold(request.scoreThreshold);
    const ef = checkEf(request.ef);
    const filter: NormalizedFilter = normalizeFilter(request.filter);
    const hasVector = `${vector.name} IS NOT NULL`;
    const candidatesWhere = whereClause(owner, filter, [hasVector]);
    const sourceWhere = request.ids
      ? whereClause(owner, normalizeFilter({ ids: checkIds(request.ids) }), [hasVector])
      : candidatesWhere;
    const sourceCount = request.ids ? request.ids.length : await table.countRows(sourceWhere);
    if (sourceCount === 0) return [];
    const sources = (await table
      .query()
      .where(sourceWhere)
      .orderBy({ columnName: 'id', ascending: true })
      .limit(sourceCount)
      .select(['id', vector.name])
      .toArray()) as Row[];
    const exact = await this.useExact(table, vector.name, candidatesWhere, request.exact);
    const out: PointNeighbours[] = new Array(sources.length);
    let next = 0;
    const worker = async () => {
      while (next < sources.length) {
        const i = next++;
        const src = sources[i]!;
        const where = `${candidatesWhere} AND (id <> ${sqlString(src.id as string)})`;
        const query = toFloat32(src[vector.name])!;
        const hits = await topWithTies(k, (n, min) =>
          this.vectorHits(table, query, vector.name, where, n, exact, ef, false, min),
        );
        out[i] = { id: src.id as string, neighbours: pageHits(hits, 0, k, threshold) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(NEIGHBOUR_CONCURRENCY, sources.length) }, worker));
    if (request.ids) {
      const order = new Map(checkIds(request.ids).map((id, i) => [id, i]));
      out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    }
    return out;
  }

  private scheduleMaintenance(): void {
    if ((!this.autoIndex && !this.upkeep) || this.closed) return;
    if (this.maintenance) {
      this.maintenanceAgain = true;
      return;
    }
    this.maintenance = this.maintain(false)
      .catch((error: unknown) => this.reportMaintenanceError(error))
      .finally(() => {
        this.maintenance = null;
        if (this.maintenanceAgain) {
          this.maintenanceAgain = false;
          this.scheduleMaintenance();
        }
      });
  }

  private reportMaintenanceError(error: unknown): void {
    if (this.options.onMaintenanceError) return this.options.onMaintenanceError(error);
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(`maintenance of ${this.name} failed (tried again later): ${message}`);
  }

  /**
   * Builds or refreshes the ANN and payload indexes and compacts the table now (benchmarks, admin
   * jobs, tests), waiting for another store's maintenance to finish first; errors reach the caller.
   */
  async optimize(): Promise<void> {
    if (this.maintenance) await this.maintenance;
    await this.maintain(true);
  }

  private async maintain(now: boolean): Promise<void> {
    const { table, layout } = await this.open();
    if (!this.inheritedCounted) {
      // Fragments left by earlier runs (or other processes) count as writes still to compact.
      this.inheritedCounted = true;
      const { numFragments } = (await table.stats()).fragmentStats;
      this.writesSinceCompaction += Math.max(numFragments - 1, 0);
      if (this.writesSinceCompaction > 0) this.firstPendingAt ??= Date.now();
    }
    const reindex = this.autoIndex || now ? await this.checkIndexes(table, layout, now) : false;
    const dueAt = this.compactionDueAt(reindex);
    if (now || (dueAt !== null && Date.now() >= dueAt)) await this.compact(table, now);
    else this.armCompactionTimer();
  }

  /**
   * `maintainIndexes`, at most once per `checkIntervalMs` in the background (every time for
   * `optimize()`); in between, the last look's answer. A look skipped is taken when the interval is
   * over, so an index falls due even when the writes stop.
   */
  private async checkIndexes(table: Table, layout: VectorLayout, now: boolean): Promise<boolean> {
    const since = this.indexCheck ? Date.now() - this.indexCheck.at : Infinity;
    if (!now && this.indexCheck && since < this.policy.checkIntervalMs) {
      this.armIndexCheckTimer(this.policy.checkIntervalMs - since);
      return this.indexCheck.reindex;
    }
    const reindex = await this.maintainIndexes(table, layout, now);
    this.indexCheck = { at: Date.now(), reindex };
    this.indexChecks += 1;
    return reindex;
  }

  private armIndexCheckTimer(ms: number): void {
    if (this.indexCheckTimer || this.closed) return;
    this.indexCheckTimer = setTimeout(
      () => {
        this.indexCheckTimer = null;
        this.scheduleMaintenance();
      },
      Math.max(ms, 1),
    );
    this.indexCheckTimer.unref();
  }

  /** Builds the indexes the policy asks for; true when an ANN index has enough unindexed rows. */
  private async maintainIndexes(table: Table, layout: VectorLayout, now: boolean): Promise<boolean> {
    const indices = await table.listIndices();
    const total = await table.countRows();
    const builds: (() => Promise<void>)[] = [];
    let reindex = false;
    for (const v of layout.vectors.values()) {
      if (v.kind !== 'global') continue;
      const existing = indices.find((i) => i.columns.includes(v.name));
      if (!existing) {
        // The filtered count reads the vector column (70 ms of CPU at 10,000 1280-d rows); the
        // table's own count, from its metadata, rules it out below minRows.
        if (total < this.policy.minRows) continue;
        const rows = await table.countRows(`${v.name} IS NOT NULL`);
        if (rows >= this.policy.minRows) {
          builds.push(async () => {
            await table.createIndex(v.name, { config: this.indexConfig(rows), replace: true });
            this.indexedColumns = null;
          });
        }
      } else {
        const stats = await table.indexStats(existing.name);
        if (stats && stats.numUnindexedRows >= this.policy.reindexAfterRows) reindex = true;
      }
    }
    if (total >= this.policy.scalarIndexMinRows) {
      for (const [column, kind] of SCALAR_INDEXES) {
        if (indices.some((i) => i.columns.includes(column))) continue;
        builds.push(async () => {
          await table.createIndex(column, {
            config: kind === 'btree' ? Index.btree() : Index.labelList(),
            replace: true,
          });
        });
      }
    }
    if (builds.length === 0) return reindex;
    // Another store's compaction would fail a build that overlaps it; wait for the lease instead.
    const lease = now ? await this.lease.acquire('index') : await this.lease.tryAcquire('index');
    if (!lease) return reindex;
    try {
      for (const build of builds) await build();
    } finally {
      await lease.release();
    }
    return reindex;
  }

  /** Milliseconds to wait after the last attempt: the busy-share bound, doubled per failure. */
  private compactionGap(policy: LanceMaintenancePolicy): number {
    const share = Math.min(Math.max(policy.maxBusyShare, 0.01), 1);
    const busy = (this.lastAttempt.ms * (1 - share)) / share;
    return (
      Math.max(policy.minIntervalMs, busy) * 2 ** Math.min(this.consecutiveFailures, MAX_BACKOFF_EXPONENT)
    );
  }

  /**
   * When the next compaction becomes due, or null when there is nothing to compact. `reindex` (an
   * ANN index with `reindexAfterRows` unindexed rows) makes it due after the gap alone, even with
   * maintenance off: `table.optimize()` is also what brings the index up to date.
   */
  private compactionDueAt(reindex = false): number | null {
    const policy = this.upkeep ?? DEFAULT_LANCE_MAINTENANCE_POLICY;
    if (!reindex && (!this.upkeep || this.writesSinceCompaction <= 0)) return null;
    const afterGap = this.lastAttempt.endedAt + this.compactionGap(policy);
    if (reindex || this.writesSinceCompaction >= policy.compactEveryWrites) return afterGap;
    return Math.max(afterGap, (this.firstPendingAt ?? Date.now()) + policy.maxIntervalMs);
  }

  /** Makes sure maintenance runs when the next compaction falls due, even if no write comes. */
  private armCompactionTimer(): void {
    const dueAt = this.compactionDueAt();
    if (dueAt === null || this.closed) return;
    if (this.compactionTimer && this.compactionTimer.dueAt <= dueAt) return;
    if (this.compactionTimer) clearTimeout(this.compactionTimer.handle);
    const handle = setTimeout(
      () => {
        this.compactionTimer = null;
        this.scheduleMaintenance();
      },
      Math.max(dueAt - Date.now(), 1),
    );
    handle.unref();
    this.compactionTimer = { handle, dueAt };
  }

  /**
   * `table.optimize()` on the write queue: merges the small fragments, brings the indexes up to
   * date and removes versions older than `keepVersionsMs`. Reads go on meanwhile (they read the
   * version they started on); this store's writes wait, other stores' writes wait on the lease.
   * A failure (another process committed first: a commit conflict) is reported and tried again
   * after the backoff; `now` (explicit `optimize()`) waits for the lease and throws instead.
   */
  private async compact(table: Table, now: boolean): Promise<void> {
    const keepVersionsMs = (this.upkeep ?? DEFAULT_LANCE_MAINTENANCE_POLICY).keepVersionsMs;
    const lease = now ? await this.lease.acquire('compact') : await this.lease.tryAcquire('compact');
    if (!lease) {
      // Another store is maintaining the table; look again after the minimum interval.
      this.lastAttempt = { endedAt: Date.now(), ms: 0 };
      this.armCompactionTimer();
      return;
    }
    let started = Date.now();
    try {
      await sleep(COMPACTION_GRACE_MS);
      started = Date.now();
      await this.serialize(async () => {
        await table.optimize({ cleanupOlderThan: new Date(Date.now() - keepVersionsMs) });
        this.writesSinceCompaction = 0;
        this.firstPendingAt = null;
      });
      const ms = Date.now() - started;
      this.lastAttempt = { endedAt: Date.now(), ms };
      this.lastCompaction = { at: Date.now(), ms };
      this.compactions += 1;
      this.consecutiveFailures = 0;
      this.indexedColumns = null;
      // optimize() brought the indexes up to date.
      if (this.indexCheck) this.indexCheck = { ...this.indexCheck, reindex: false };
    } catch (error) {
      this.lastAttempt = { endedAt: Date.now(), ms: Date.now() - started };
      this.failedCompactions += 1;
      this.consecutiveFailures += 1;
      if (now) throw error;
      const lostRace = `compaction of ${this.name} lost a commit race to another writer`;
      this.reportMaintenanceError(
        isCommitConflict(error) ? new LookalikeError('conflict', lostRace, { cause: error }) : error,
      );
    } finally {
      await lease.release();
      this.armCompactionTimer();
    }
  }

  /** Builds (or replaces) the ANN index of a global vector now, of the policy's type or the one given. */
  async rebuildIndex(vectorName: string, type?: LanceIndexType): Promise<void> {
    const { table, layout } = await this.open();
    layout.require(vectorName, 'global');
    const rows = await table.countRows(`${vectorName} IS NOT NULL`);
    if (rows === 0) throw LookalikeError.invalid(`vector ${vectorName} holds no rows to index`);
    const lease = await this.lease.acquire('index');
    try {
      await table.createIndex(vectorName, { config: this.indexConfig(rows, type), replace: true });
    } finally {
      await lease.release();
    }
    this.indexedColumns = null;
  }

  private indexConfig(rows: number, explicit?: LanceIndexType): Index {
    const kind = this.state?.quantization.kind ?? 'none';
    const type = explicit ?? this.policy.types[kind];
    const { m, efConstruct } = this.state?.hnsw ?? { m: 16, efConstruct: 200 };
    // Partitions ~ sqrt(rows) is the IVF rule of thumb; HNSW variants keep few large partitions.
    const ivfPartitions = Math.max(1, Math.round(Math.sqrt(rows)));
    const hnswPartitions = Math.max(1, Math.round(rows / 100_000));
    const dim = this.layout ? ([...this.layout.vectors.values()][0]?.dimension ?? 512) : 512;
    const subVectors = dim % 16 === 0 ? dim / 16 : dim % 8 === 0 ? dim / 8 : 1;
    switch (type) {
      case 'ivf_hnsw_sq':
        return Index.hnswSq({
          distanceType: 'cosine',
          numPartitions: hnswPartitions,
          m,
          efConstruction: efConstruct,
        });
      case 'ivf_hnsw_pq':
        return Index.hnswPq({
          distanceType: 'cosine',
          numPartitions: hnswPartitions,
          m,
          efConstruction: efConstruct,
          numSubVectors: subVectors,
        });
      case 'ivf_pq':
        return Index.ivfPq({
          distanceType: 'cosine',
          numPartitions: ivfPartitions,
          numSubVectors: subVectors,
        });
      case 'ivf_rq':
        return Index.ivfRq({ distanceType: 'cosine', numPartitions: ivfPartitions });
      case 'ivf_flat':
        return Index.ivfFlat({ distanceType: 'cosine', numPartitions: ivfPartitions });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compactionTimer) clearTimeout(this.compactionTimer.handle);
    this.compactionTimer = null;
    if (this.indexCheckTimer) clearTimeout(this.indexCheckTimer);
    this.indexCheckTimer = null;
    if (this.maintenance) await this.maintenance;
    await this.writes;
    this.table?.close();
    this.connection?.close();
    this.table = null;
    this.connection = null;
  }
}
