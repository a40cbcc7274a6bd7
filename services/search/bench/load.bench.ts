/**
 * Search under load through the whole stack (HTTP -> gateway -> transport -> search -> index) in
 * both run modes, beside direct loops on the same index, in one run:
 *
 *   npx tsc -b services/search services/gateway services/embedding && node services/dedup/bench/run-ts.cjs services/search/bench/load.bench.ts
 *
 * Index: BENCH_POINTS (100000) synthetic 512-d vectors in 2000 clusters, seeded through
 * `HnswVectorStore` into `<data>/lancedb` (its durable LanceDB table, then the graph snapshot in
 * `<data>/lancedb/images.hnsw/` written at close). The embedded mode runs the stack with
 * VECTOR_STORE=hnsw, so it starts from that snapshot; the distributed mode runs VECTOR_STORE=lancedb
 * on the same table, with the IVF-HNSW-SQ index the bench builds on it (`optimize()`).
 *
 * BENCH_SECONDS (8) per concurrency level; BENCH_CONCURRENCY (1,4,8; add 32 for the saturated level)
 * the levels of similar-by-id; BENCH_TEXT_CONCURRENCY (1,8) the levels of the text rows; BENCH_TEXT=0
 * skips text; BENCH_MODES (embedded,distributed) the run modes (embedded alone skips LanceDB: no
 * index build, no LanceDB rows); BENCH_RECALL_QUERIES (200) the query points of the recall check;
 * BENCH_QUICK=1 seeds 20000 points and runs 4 s per level. BENCH_CPU_PROF=<folder> runs the stack's
 * processes with `node --cpu-prof` into <folder>/<mode>/ and prints where their main thread spent
 * the similar-by-id levels (by package, busiest functions; the sampling costs a little throughput).
 * BENCH_DATA_DIR reuses (and keeps) a data directory a previous run seeded with the same
 * BENCH_POINTS: the table, the graph snapshot (built there when missing, e.g. a folder seeded by the
 * LanceDB-only version of this bench) and the LanceDB index (built when missing and the distributed
 * mode runs). A folder holding another number of points is refused. The distributed mode needs NATS and PostgreSQL (BENCH_DATABASE_URL, default the
 * local server; `make bench` starts both): it runs in a schema of its own, dropped at the end.
 *
 * Rows: "direct ANN" is one index query with the vector in hand, reading the fields a hit needs
 * (`withPayload: ['imageId', 'key']`; LanceDB also "whole payload": every payload column, as search
 * did before it asked for fields); "direct lookup + ANN" is what the search service asks the index
 * for a similar-by-id request (the query point by image id with its vector, id and pHash, then the
 * query for 11 hits), so stack/direct is the price of HTTP, auth, transport and the service itself.
 * The HNSW rows run on an `HnswVectorStore` opened in this process while no stack runs (one process
 * holds the folder); its queries run on the event loop, so concurrency adds waiting, not throughput.
 * Recall@10 compares the HNSW store's similar-by-id top 10 (self left out) with an exact scan of the
 * same store, and LanceDB's with the same exact answers when both modes run.
 * Start-up: the HNSW store's in-process open (points from LanceDB, graph from the snapshot), and for
 * each stack the seconds from spawning it to /healthz and to the first answered similar-by-id (the
 * store opens on first use).
 * Text search runs the embedding service with a generated model of ViT-B/32's shape (depth 12; 2
 * with BENCH_QUICK; real CLIP weights cannot be downloaded here): "repeated" cycles through 20
 * phrases (the query-embedding cache answers after the first), and "distinct" sends a new phrase each
 * time (every request runs the text tower).
 * Prints markdown tables (req/s, p50/p95/p99 in ms, stack/direct, CPU per query) and, per level, the
 * mean time per stage read from the stack's own /metrics with the stack's CPU per request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { ImagePayload } from '@lookalike/contracts';
import { dropSchema } from '@lookalike/persistence';
import {
  DEFAULT_HNSW_POLICY,
  HnswVectorStore,
  LanceDbVectorStore,
  type SearchRequest,
  type UpsertPoint,
  type VectorStore,
} from '@lookalike/vector-store';
import { writeSyntheticClip } from '../../embedding/bench/synthetic-clip';
import { summarizeCpuProfile, type ProfileWindow } from './cpu-profile-summary';

const QUICK = process.env.BENCH_QUICK === '1';
const POINTS = Number(process.env.BENCH_POINTS ?? (QUICK ? 20_000 : 100_000));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 4 : 8));
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,4,8').split(',').map(Number);
const TEXT_LEVELS = (process.env.BENCH_TEXT_CONCURRENCY ?? '1,8').split(',').map(Number);
const TEXT = process.env.BENCH_TEXT !== '0';
const RECALL_QUERIES = Number(process.env.BENCH_RECALL_QUERIES ?? 200);
const CPU_PROF = process.env.BENCH_CPU_PROF;
type Mode = 'embedded' | 'distributed';
const MODES = (process.env.BENCH_MODES ?? 'embedded,distributed')
  .split(',')
  .filter((m): m is Mode => m === 'embedded' || m === 'distributed');
const DIM = 512;
const OWNER = 'bench';
const ROOT = resolve(__dirname, '../../..');
const MODEL = { name: 'clip', version: 'bench', dimension: DIM, crops: false };
const VECTOR = 'clip_global';
const SEED_BATCH = 5000;
/** Linux reports process CPU in clock ticks of 10 ms (CLK_TCK 100). */
const TICK_MS = 10;

const ENGINE: Record<Mode, 'HNSW' | 'LanceDB'> = { embedded: 'HNSW', distributed: 'LanceDB' };

interface Row {
  mode: string;
  concurrency: number;
  rps: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** CPU per query: this process (every thread) for direct loops, the stack's processes for stack rows. */
  cpuMs?: number;
}

interface Seeded {
  ids: string[];
  /** Query vectors for the "vector in hand" loops. */
  vectors: Float32Array[];
}

/** Start-up, seeding and recall lines, printed after the tables. */
const notes: string[] = [];
/** CPU profile summaries of the stack processes (BENCH_CPU_PROF). */
const profiles: string[] = [];

function note(line: string): void {
  notes.push(line);
  console.error(line);
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function ulidLike(i: number): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let out = '';
  let n = i;
  for (let k = 0; k < 10; k += 1) {
    out = alphabet[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return `01J${'0'.repeat(13)}${out}`;
}

/** The synthetic points in upsert batches, the same on every run (seeded generator). */
function* syntheticBatches(sample: Float32Array[]): Generator<UpsertPoint[]> {
  const rnd = random(42);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: 2000 }, () => Float32Array.from({ length: DIM }, gauss));
  for (let start = 0; start < POINTS; start += SEED_BATCH) {
    const points: UpsertPoint[] = [];
    for (let i = start; i < Math.min(POINTS, start + SEED_BATCH); i += 1) {
      const centre = centres[i % centres.length]!;
      const vector = centre.map((x) => x + 0.6 * gauss());
      const imageId = ulidLike(i);
      if (sample.length < 2000 && i % 37 === 0) sample.push(vector);
      points.push({
        payload: ImagePayload.fromPartial({
          imageId,
          ownerUserId: OWNER,
          bucket: 'lookalike',
          key: `${OWNER}/2026/01/${imageId}.jpg`,
          sha256: i.toString(16).padStart(64, '0'),
          phash: (i * 2654435761).toString(16).padStart(16, '0').slice(-16),
          source: 'batch',
          createdAt: new Date(1_767_225_600_000 + i * 1000).toISOString(),
          modelName: MODEL.name,
          modelVersion: MODEL.version,
          qualityScore: 0.8,
        }),
        vectors: { [VECTOR]: vector },
      });
    }
    yield points;
  }
}

const snapshotDir = (dir: string) => join(dir, 'images.hnsw');

/** The `.current` pointers of the graph snapshots (file name -> generation). */
function snapshotGenerations(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(snapshotDir(dir))) return out;
  for (const file of readdirSync(snapshotDir(dir))) {
    if (file.endsWith(`.${VECTOR}.current`)) {
      out.set(file, readFileSync(join(snapshotDir(dir), file), 'utf8').trim());
    }
  }
  return out;
}

function hnswStore(dir: string): HnswVectorStore {
  return new HnswVectorStore({
    dir,
    onBackgroundError: (error: unknown) => console.error(`HNSW background work failed: ${String(error)}`),
  });
}

/** Points and ANN index state of the LanceDB table, or null when there is none. */
async function lanceState(dir: string): Promise<{ points: number; index: string } | null> {
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  try {
    const described = await store.describeCollection();
    if (!described) return null;
    return { points: described.pointsCount, index: String(described.engine[`${VECTOR}.index`]) };
  } finally {
    await store.close();
  }
}

async function seedHnsw(dir: string): Promise<Float32Array[]> {
  const started = performance.now();
  const store = hnswStore(dir);
  await store.ensureCollection({ models: [MODEL] });
  const sample: Float32Array[] = [];
  for (const points of syntheticBatches(sample)) await store.upsert(OWNER, points);
  const upserted = performance.now();
  await store.whenIndexed();
  const indexed = performance.now();
  await store.close();
  note(
    `seeded ${POINTS} points through HnswVectorStore in ${seconds(started)} s (upserts with graph inserts ${((upserted - started) / 1000).toFixed(1)} s, ` +
      `waiting for the graph ${((indexed - upserted) / 1000).toFixed(1)} s, close with the snapshot ${seconds(indexed)} s)`,
  );
  return sample;
}

/**
 * Seeds the index, or reuses the one in `dir` (BENCH_DATA_DIR), making sure it has a graph snapshot
 * and, when the distributed mode runs, the LanceDB ANN index.
 */
async function prepareIndex(dir: string): Promise<Seeded> {
  const ids = Array.from({ length: POINTS }, (_, i) => ulidLike(i));
  const state = await lanceState(dir);
  let vectors: Float32Array[];
  if (!state || state.points === 0) {
    vectors = await seedHnsw(dir);
  } else if (state.points !== POINTS) {
    throw new Error(`${dir} holds ${state.points} points, not ${POINTS}: use another BENCH_DATA_DIR`);
  } else {
    console.error(`reusing the ${POINTS} points in ${dir}`);
    if (snapshotGenerations(dir).size === 0) {
      const started = performance.now();
      const store = hnswStore(dir);
      await store.whenIndexed();
      await store.close();
      note(`no graph snapshot in ${dir}: built the graph and wrote it in ${seconds(started)} s`);
    }
    const store = new LanceDbVectorStore({ dir, autoIndex: false });
    const page = await store.scroll(OWNER, { limit: 1000, withVectors: [VECTOR] });
    vectors = page.points.map((p) => p.vectors![VECTOR]!);
    await store.close();
  }
  if (MODES.includes('distributed') && (await lanceState(dir))?.index === 'exact') {
    const started = performance.now();
    const store = new LanceDbVectorStore({ dir, autoIndex: false });
    await store.optimize();
    await store.close();
    note(`LanceDB IVF-HNSW-SQ index (for the distributed mode) built in ${seconds(started)} s`);
  }
  return { ids, vectors };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** The fields the search service reads for a hit of a plain similar-by-id request. */
const HIT_FIELDS = ['imageId', 'key'] as const;

async function timedLoop(
  concurrency: number,
  once: (i: number) => Promise<unknown>,
): Promise<Omit<Row, 'mode' | 'concurrency' | 'errors'>> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const deadline = Date.now() + SECONDS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const t = process.hrtime.bigint();
        await once(next++);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / SECONDS,
    mean: average(latencies),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    cpuMs: (used.user + used.system) / 1000 / Math.max(1, latencies.length),
  };
}

/** The ANN query of a plain similar-by-id request for `limit` hits: the fields a hit needs. */
function annRequest(vector: Float32Array, exact = false): SearchRequest {
  return {
    vectorName: VECTOR,
    vector,
    filter: {},
    limit: 11,
    offset: 0,
    withPayload: [...HIT_FIELDS],
    ...(exact ? { exact } : {}),
  };
}

/** What search reads for a similar-by-id request: the query point, then its ANN query. */
async function lookupAndSearch(store: VectorStore, imageId: string, exact = false) {
  const page = await store.scroll(OWNER, {
    filter: { imageIds: [imageId] },
    limit: 1,
    withVectors: [VECTOR],
    withPayload: ['imageId', 'phash'],
  });
  const point = page.points[0];
  if (!point) throw new Error(`no point for image ${imageId}`);
  const hits = await store.search(OWNER, annRequest(point.vectors![VECTOR]!, exact));
  return { selfId: point.id, hits };
}

/** The top 10 image ids of a similar-by-id request, the query image left out, as search answers. */
async function similarTop10(store: VectorStore, imageId: string, exact = false): Promise<string[]> {
  const { selfId, hits } = await lookupAndSearch(store, imageId, exact);
  return hits
    .filter((h) => h.id !== selfId)
    .slice(0, 10)
    .map((h) => h.payload!.imageId);
}

function recallQueries(ids: string[]): string[] {
  const n = Math.min(RECALL_QUERIES, ids.length);
  return Array.from({ length: n }, (_, k) => ids[Math.floor(((k + 0.5) * ids.length) / n)]!);
}

async function recallAgainst(
  store: VectorStore,
  truth: Map<string, string[]>,
  engine: string,
): Promise<void> {
  const recalls: number[] = [];
  for (const [imageId, exact] of truth) {
    const found = new Set(await similarTop10(store, imageId));
    recalls.push(exact.filter((id) => found.has(id)).length / Math.max(1, exact.length));
  }
  const below = recalls.filter((r) => r < 1).length;
  note(
    `recall@10 of similar-by-id (${engine}) against an exact scan, ${recalls.length} query points: ` +
      `mean ${average(recalls).toFixed(4)}, min ${Math.min(...recalls).toFixed(2)}, ${below} queries below 1`,
  );
}

/**
 * The HNSW store in this process, as the embedded stack opens it (points from LanceDB, graph from
 * its snapshot): open time, recall against exact, then the direct loops. Returns the exact answers.
 */
async function directHnsw(dir: string, seeded: Seeded, rows: Row[]): Promise<Map<string, string[]>> {
  const started = performance.now();
  const store = hnswStore(dir);
  await store.describeCollection();
  const loaded = performance.now();
  await store.whenIndexed();
  const engine = (await store.describeCollection())!.engine;
  note(
    `HNSW store opened in this process on ${POINTS} points: points and graph loaded in ${((loaded - started) / 1000).toFixed(1)} s, ` +
      `every graph usable after ${seconds(started)} s (graphs ${engine.graphs}, graph points ${engine.graphPoints}, ` +
      `building ${engine.building}, from snapshots ${engine.fromSnapshots})`,
  );
  const truth = new Map<string, string[]>();
  try {
    const exactStarted = performance.now();
    for (const imageId of recallQueries(seeded.ids))
      truth.set(imageId, await similarTop10(store, imageId, true));
    console.error(`exact answers for the recall check in ${seconds(exactStarted)} s`);
    await recallAgainst(
      store,
      truth,
      `HNSW, hnswlib m 16, ef_construct 200, ef ${DEFAULT_HNSW_POLICY.ef} (the default of an unfiltered walk), re-scored`,
    );
    const { ids, vectors } = seeded;
    for (const concurrency of LEVELS) {
      const bare = await timedLoop(concurrency, (i) =>
        store.search(OWNER, annRequest(vectors[i % vectors.length]!)),
      );
      const byId = await timedLoop(concurrency, (i) => lookupAndSearch(store, ids[(i * 7919) % ids.length]!));
      rows.push(
        { mode: 'direct ANN (HNSW)', concurrency, errors: 0, ...bare },
        { mode: 'direct lookup + ANN (HNSW)', concurrency, errors: 0, ...byId },
      );
      console.error(JSON.stringify(rows.slice(-2)));
    }
  } finally {
    await store.close();
  }
  return truth;
}

/**
 * The LanceDB loops, `concurrency` queries in flight: the ANN query alone with the vector in hand
 * (also reading every payload column), and the two index calls of a similar-by-id request.
 */
async function directLance(dir: string, seeded: Seeded, truth: Map<string, string[]>, rows: Row[]) {
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  const { ids, vectors } = seeded;
  try {
    await store.search(OWNER, annRequest(vectors[0]!));
    if (truth.size > 0) await recallAgainst(store, truth, 'LanceDB, IVF-HNSW-SQ, ef 256, refine 2');
    for (const concurrency of LEVELS) {
      const bare = await timedLoop(concurrency, (i) =>
        store.search(OWNER, annRequest(vectors[i % vectors.length]!)),
      );
      // The same query reading every payload column: what search did before it asked for fields.
      const whole = await timedLoop(concurrency, (i) =>
        store.search(OWNER, { ...annRequest(vectors[i % vectors.length]!), withPayload: true }),
      );
      const byId = await timedLoop(concurrency, (i) => lookupAndSearch(store, ids[(i * 7919) % ids.length]!));
      rows.push(
        { mode: 'direct ANN (LanceDB)', concurrency, errors: 0, ...bare },
        { mode: 'direct ANN, whole payload (LanceDB)', concurrency, errors: 0, ...whole },
        { mode: 'direct lookup + ANN (LanceDB)', concurrency, errors: 0, ...byId },
      );
      console.error(JSON.stringify(rows.slice(-3)));
    }
  } finally {
    await store.close();
  }
}

const PHRASES = [
  'a cat on a sofa',
  'mountain lake at dawn',
  'red sports car',
  'bowl of ramen',
  'city skyline at night',
  'dog running on a beach',
  'snowy forest path',
  'old wooden door',
  'sunflowers in a field',
  'person riding a bicycle',
  'plate of sushi',
  'lighthouse in a storm',
  'child flying a kite',
  'desert sand dunes',
  'coffee cup on a desk',
  'bridge over a river',
  'autumn leaves',
  'a robot toy',
  'neon street sign',
  'waterfall in a jungle',
];

type Body = (i: number) => Record<string, unknown>;

const BODIES: Record<'id' | 'textRepeated' | 'textDistinct', (ids: string[]) => Body> = {
  id: (ids) => (i) => ({ image_id: ids[(i * 7919) % ids.length], limit: 10 }),
  textRepeated: () => (i) => ({ text_query: PHRASES[i % PHRASES.length], limit: 10 }),
  // A run-unique suffix keeps the cache from answering any of these.
  textDistinct: () => (i) => ({
    text_query: `${PHRASES[i % PHRASES.length]} ${process.pid}-${i}`,
    limit: 10,
  }),
};

async function loadStack(
  url: string,
  token: string,
  body: Body,
  mode: string,
  concurrency: number,
  /** Receives each response's completion time (performance.now()) and latency in ms. */
  samples?: { at: number; ms: number }[],
): Promise<Row> {
  let next = 0;
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon(
      {
        url: `${url}/api/search/similar`,
        connections: concurrency,
        duration: SECONDS,
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(body(next++)) }) }],
      },
      (error, res) => (error ? fail(error) : done(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      samples?.push({ at: performance.now(), ms: responseTime });
    });
  });
  latencies.sort((a, b) => a - b);
  return {
    mode,
    concurrency,
    rps: latencies.length / SECONDS,
    mean: average(latencies),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

interface Totals {
  sum: number;
  count: number;
}

/** Sum and count of every series of a histogram whose labels contain all of `labels`. */
function histogramTotals(text: string, metric: string, labels: string[]): Totals {
  const out = { sum: 0, count: 0 };
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${metric}_(sum|count)\\{([^}]*)\\} ([0-9.e+-]+)$`).exec(line);
    if (!m || !labels.every((l) => m[2]!.includes(l))) continue;
    if (m[1] === 'sum') out.sum += Number(m[3]);
    else out.count += Number(m[3]);
  }
  return out;
}

const STAGES = ['http', 'rpc', 'handler', 'resolve', 'rank', 'urls'] as const;
type Stage = (typeof STAGES)[number];

/** The stack's per-stage histogram totals for one query kind, read from its /metrics. */
async function stageTotals(urls: string[], kind: string): Promise<Record<Stage, Totals>> {
  const text = (await Promise.all(urls.map(async (u) => (await fetch(`${u}/metrics`)).text()))).join('\n');
  const stage = (name: string) =>
    histogramTotals(text, 'lookalike_search_stage_seconds', [`stage="${name}"`, `kind="${kind}"`]);
  return {
    http: histogramTotals(text, 'lookalike_http_request_duration_seconds', ['route="/api/search/similar"']),
    rpc: histogramTotals(text, 'lookalike_rpc_client_duration_seconds', ['subject="search.v1.similar"']),
    handler: histogramTotals(text, 'lookalike_rpc_server_duration_seconds', ['subject="search.v1.similar"']),
    resolve: stage('resolve'),
    rank: stage('rank'),
    urls: stage('urls'),
  };
}

/** Mean ms per request of each stage between two readings. */
function stageMeans(before: Record<Stage, Totals>, after: Record<Stage, Totals>): Record<Stage, number> {
  const out = {} as Record<Stage, number>;
  for (const k of STAGES) {
    const n = after[k].count - before[k].count;
    out[k] = n > 0 ? ((after[k].sum - before[k].sum) / n) * 1000 : NaN;
  }
  return out;
}

/** CPU milliseconds (user + system, every thread) a process has used, from /proc. */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** The part of each stack level the stage table and the stack's CPU per request are read from. */
const WINDOW_FROM = 0.15;
const WINDOW_TO = 0.9;

const sleepUntil = (at: number) =>
  new Promise<void>((done) => setTimeout(done, Math.max(0, at - performance.now())));

/** The monotonic clock V8's CPU profiles use, in microseconds. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Where each stack process's main thread spent the similar-by-id levels, from its `--cpu-prof` file. */
function summarizeProfiles(dir: string, children: Child[], label: string, window: ProfileWindow): void {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  for (const c of children) {
    const file = files.find((f) => basename(f).split('.')[3] === String(c.child.pid));
    if (!file) {
      profiles.push(`no CPU profile from ${c.name} (${label}) in ${dir}: was it killed?`, '');
      continue;
    }
    profiles.push(
      `${c.name} process (${label}), similar-by-id levels (monotonic µs ${window.fromUs} to ${window.toUs}), ${join(dir, file)}:`,
      '',
      ...summarizeCpuProfile(join(dir, file), window.toUs > window.fromUs ? window : undefined),
      '',
    );
  }
}

interface Child {
  name: string;
  child: ChildProcess;
  log: () => string;
}

function start(command: string[], env: NodeJS.ProcessEnv, name: string, profileDir?: string): Child {
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...flags, ...command], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: ROOT,
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  child.on('exit', (code) => code && console.error(`${name} exited with ${code}\n${out.slice(-2000)}`));
  return { name, child, log: () => out };
}

async function waitFor(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up\n${log().slice(-3000)}`);
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null) return done();
          c.once('exit', () => done());
          c.kill('SIGTERM');
          // A 100k snapshot write at close can take a while on a busy machine.
          setTimeout(() => c.kill('SIGKILL'), 30_000).unref();
        }),
    ),
  );
}

function postSimilar(url: string, token: string, body: Record<string, unknown>, timeoutMs: number) {
  return fetch(`${url}/api/search/similar`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** Waits until a similar-by-id request is answered 200 (the store opens on first use). */
async function firstSimilar(url: string, token: string, imageId: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await postSimilar(url, token, { image_id: imageId, limit: 10 }, 600_000);
    if (res.ok) return;
    last = `${res.status} ${await res.text()}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`similar-by-id did not come up: ${last}`);
}

async function waitForText(url: string, token: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await postSimilar(url, token, { text_query: 'warm-up', limit: 1 }, 180_000);
    if (res.ok) return;
    last = await res.text();
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`text search did not come up: ${last}`);
}

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `bench_search_${process.pid}`;

/**
 * Waits until requests a level left in flight (autocannon stops at its deadline, the server goes
 * on) have been answered: one request queued behind them comes back only then.
 */
async function drain(url: string, token: string, body: Body): Promise<void> {
  await postSimilar(url, token, body(0), 300_000);
}

interface Scenario {
  name: string;
  kind: string;
  body: Body;
  levels: number[];
}

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '');

async function runStack(
  mode: Mode,
  dataDir: string,
  base: NodeJS.ProcessEnv,
  scenarios: Scenario[],
  seeded: Seeded,
  rows: Row[],
  stageRows: string[],
): Promise<void> {
  const port = 18_000 + (mode === 'embedded' ? 1 : 2);
  const url = `http://127.0.0.1:${port}`;
  const env = { ...base, API_PORT: String(port), PUBLIC_BASE_URL: url };
  // The distributed mode runs on PostgreSQL, in a schema of its own that is dropped afterwards.
  const nats = {
    ...env,
    VECTOR_STORE: 'lancedb',
    TRANSPORT: 'nats',
    NATS_SUBJECT_PREFIX: `bench${process.pid}`,
    DATABASE_URL: `${DATABASE_URL}?schema=${SCHEMA}`,
  };
  const snapshotsBefore = snapshotGenerations(join(dataDir, 'lancedb'));
  const profileDir = CPU_PROF ? resolve(CPU_PROF, mode) : undefined;
  const window: ProfileWindow = { fromUs: 0, toUs: 0 };
  const spawned = performance.now();
  const children =
    mode === 'embedded'
      ? [
          start(
            ['services/dedup/bench/run-ts.cjs', 'services/search/bench/embedded-search-host.ts'],
            { ...env, VECTOR_STORE: 'hnsw' },
            'embedded',
            profileDir,
          ),
        ]
      : [
          start(
            ['services/search/dist/main.js'],
            { ...nats, HEALTH_PORT: String(port + 100) },
            'search',
            profileDir,
          ),
          start(['services/gateway/dist/main.js'], { ...nats, HEALTH_PORT: '0' }, 'gateway', profileDir),
          ...(TEXT
            ? [
                start(
                  ['services/embedding/dist/main.js'],
                  { ...nats, HEALTH_PORT: String(port + 200) },
                  'embedding',
                ),
              ]
            : []),
        ];
  const label = `${mode}, ${ENGINE[mode]}`;
  try {
    await waitFor(url, () => children.map((c) => c.log()).join('\n'));
    const up = performance.now();
    const login = await fetch(`${url}/api/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: OWNER }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const asked = performance.now();
    await firstSimilar(url, token, seeded.ids[0]!);
    note(
      `stack start (${label}, ${POINTS} points): /healthz after ${((up - spawned) / 1000).toFixed(1)} s, ` +
        `first similar-by-id answered ${seconds(spawned)} s after spawning it (${seconds(asked)} s after it was asked: the store opens on first use)`,
    );
    if (TEXT) await waitForText(url, token);
    const metricsUrls = mode === 'embedded' ? [url] : [url, `http://127.0.0.1:${port + 100}`];
    for (const scenario of scenarios) {
      // Warm-up: the search path's first queries (and the text model's).
      await loadStack(url, token, scenario.body, mode, 2).catch(() => undefined);
      await drain(url, token, scenario.body);
      if (scenario.kind === 'image_id') window.fromUs = monotonicUs();
      for (const concurrency of scenario.levels) {
        // Stage means and CPU come from the middle of the level: autocannon drops the connections
        // still waiting at its deadline, and the gateway's HTTP histogram never sees those requests.
        const samples: { at: number; ms: number }[] = [];
        const started = performance.now();
        const running = loadStack(
          url,
          token,
          scenario.body,
          `${scenario.name}, stack (${label})`,
          concurrency,
          samples,
        );
        await sleepUntil(started + WINDOW_FROM * SECONDS * 1000);
        const from = performance.now();
        const before = await stageTotals(metricsUrls, scenario.kind);
        const cpuBefore = children.map((c) => processCpuMs(c.child.pid));
        await sleepUntil(started + WINDOW_TO * SECONDS * 1000);
        const cpuAfter = children.map((c) => processCpuMs(c.child.pid));
        const after = await stageTotals(metricsUrls, scenario.kind);
        const to = performance.now();
        const row = await running;
        const handled = after.handler.count - before.handler.count;
        const cpu = children.map((_, k) => (cpuAfter[k]! - cpuBefore[k]!) / Math.max(1, handled));
        row.cpuMs = cpu.reduce((a, b) => a + b, 0);
        rows.push(row);
        console.error(JSON.stringify(row));
        await drain(url, token, scenario.body);
        const s = stageMeans(before, after);
        console.error(
          `stage counts: ${STAGES.map((k) => `${k} ${after[k].count - before[k].count}`).join(', ')}`,
        );
        const client = average(samples.filter((x) => x.at >= from && x.at <= to).map((x) => x.ms));
        const byProcess = children.map((c, k) => `${c.name} ${fmt(cpu[k]!, 1)}`).join(', ');
        stageRows.push(
          `| ${scenario.name} | ${mode} | ${concurrency} | ${fmt(client)} | ${fmt(client - s.http)} | ${fmt(s.http)} | ` +
            `${fmt(s.http - s.rpc)} | ${fmt(s.rpc - s.handler)} | ${fmt(s.handler)} | ${fmt(s.resolve)} | ${fmt(s.rank)} | ${fmt(s.urls)} | ${byProcess} |`,
        );
      }
      if (scenario.kind === 'image_id') window.toUs = monotonicUs();
    }
  } finally {
    await stop(children.map((c) => c.child));
  }
  if (profileDir) summarizeProfiles(profileDir, children, label, window);
  if (mode === 'embedded') {
    const after = snapshotGenerations(join(dataDir, 'lancedb'));
    const rewritten = [...after].filter(([file, gen]) => snapshotsBefore.get(file) !== gen).length;
    note(
      rewritten === 0
        ? `the embedded stack wrote no new graph snapshot (it started from the seeded one)`
        : `the embedded stack wrote ${rewritten} new graph snapshot(s): it built a graph instead of loading it`,
    );
  }
}

function printTables(rows: Row[], stageRows: string[], loadBefore: string): void {
  const directOf: Record<string, string> = {
    embedded: 'direct lookup + ANN (HNSW)',
    distributed: 'direct lookup + ANN (LanceDB)',
  };
  const direct = new Map(
    rows.filter((r) => r.mode.startsWith('direct lookup')).map((r) => [`${r.mode}|${r.concurrency}`, r]),
  );
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const loadAfter = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    `Search load, ${POINTS} points of 512-d (embedded: HnswVectorStore, hnswlib in memory; distributed: LanceDB IVF-HNSW-SQ), ` +
      `${SECONDS} s per level, ${cpus().length} cores (${cpu}), node ${process.version}, load average ${loadBefore} at the start, ${loadAfter} at the end\n`,
  );
  console.log(
    '| path | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors | req/s stack/direct | CPU ms/query |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const mode = MODES.find((m) => r.mode.startsWith('similar-by-id') && r.mode.includes(`(${m},`));
    const d = mode ? direct.get(`${directOf[mode]}|${r.concurrency}`) : undefined;
    const ratio = d ? (r.rps / d.rps).toFixed(2) : '';
    console.log(
      `| ${r.mode} | ${r.concurrency} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${ratio} | ${r.cpuMs?.toFixed(1) ?? ''} |`,
    );
  }
  console.log(
    "\nCPU ms/query: this process (every thread) for the direct rows; the stack's processes together for the stack rows (from the middle of each level, as the stage table).",
  );
  console.log(
    '\nMean time per request by stage (ms) in the middle of each level (from 15% to 90% of it), from the stack\'s /metrics; "before the gateway" is the client\'s mean less the gateway\'s HTTP histogram (connection, parsing, waiting for the event loop), "gateway" the HTTP histogram less the RPC call, "transport" the RPC call less the search handler:\n',
  );
  console.log(
    '| scenario | mode | concurrency | client mean | before the gateway | HTTP in gateway | gateway | transport | search handler | resolve query | rank (index) | sign URLs | CPU ms/req by process |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const line of stageRows) console.log(line);
  console.log('\nStart-up, seeding and recall:\n');
  for (const line of notes) console.log(`- ${line}`);
  if (profiles.length > 0) {
    console.log('\nCPU profiles of the stack (BENCH_CPU_PROF):\n');
    for (const line of profiles) console.log(line);
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  const keep = process.env.BENCH_DATA_DIR;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'search-load-'));
  const indexDir = join(dataDir, 'lancedb');
  const rows: Row[] = [];
  const stageRows: string[] = [];
  try {
    const seeded = await prepareIndex(indexDir);
    const modelDir = TEXT
      ? writeSyntheticClip(join(dataDir, 'synthetic-clip'), QUICK ? 2 : 12, 'fp32')
      : undefined;
    const base = {
      ...process.env,
      LOG_LEVEL: 'warn',
      LOOKALIKE_DATA_DIR: dataDir,
      AUTH_DEV_LOGIN: 'true',
      API_HOST: '127.0.0.1',
      // The benchmark measures throughput, not the per-client rate limit.
      RATE_LIMIT_PER_MINUTE: '100000000',
      ...(modelDir ? { MODEL_DIR: modelDir } : {}),
    };
    const scenarios: Scenario[] = [
      { name: 'similar-by-id', kind: 'image_id', body: BODIES.id(seeded.ids), levels: LEVELS },
      ...(TEXT
        ? [
            {
              name: 'text, repeated',
              kind: 'text_query',
              body: BODIES.textRepeated(seeded.ids),
              levels: TEXT_LEVELS,
            },
            {
              name: 'text, distinct',
              kind: 'text_query',
              body: BODIES.textDistinct(seeded.ids),
              levels: TEXT_LEVELS,
            },
          ]
        : []),
    ];
    let truth = new Map<string, string[]>();
    // Each engine's direct loops run while no stack holds the folder (the HNSW lock), then its stack.
    if (MODES.includes('embedded')) {
      truth = await directHnsw(indexDir, seeded, rows);
      await runStack('embedded', dataDir, base, scenarios, seeded, rows, stageRows);
    }
    if (MODES.includes('distributed')) {
      await directLance(indexDir, seeded, truth, rows);
      await runStack('distributed', dataDir, base, scenarios, seeded, rows, stageRows);
    }
  } finally {
    if (MODES.includes('distributed')) {
      await dropSchema(DATABASE_URL, SCHEMA).catch((error: unknown) =>
        console.error(`could not drop ${SCHEMA}: ${String(error)}`),
      );
    }
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
  printTables(rows, stageRows, loadBefore);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
