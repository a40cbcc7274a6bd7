/**
 * Soak: sustained uploads through the whole stack with the quality loop on, measured window by
 * window, in both run modes. `make bench` runs it as `soak`:
 *
 *   npx tsc -b tsconfig.build.json && node services/ingest/bench/run-dist.cjs services/embedded/bench/soak.bench.ts
 *
 * N distinct images (seeded crops, resizes and re-encodings of dev-nearcopies, about 1024 px JPEG,
 * written to a temp folder before the run, untimed) go through `POST /api/images` over HTTP with a
 * dev-login token, BENCH_SOAK_CONCURRENCY (4) at a time, with every service of the stack at its
 * defaults (dedup check at upload, anomaly scoring). The stack runs in child processes, so the
 * server CPU and RSS are its own (read from /proc). Every BENCH_SOAK_WINDOW (500) uploads it records
 * a row: client-side upload latency, images/s, server CPU per image, similar-by-id latency of a fixed
 * set of images from the first window (the upload stream pauses while they run), the dedup check
 * and anomaly scoring latencies read from the stack's /metrics, errors, quality-loop failures, the
 * LanceDB files and versions, and RSS.
 *
 *   BENCH_SOAK_N            uploads per mode (20000; 2000 with BENCH_QUICK=1)
 *   BENCH_SOAK_WINDOW       uploads per row (500)
 *   BENCH_SOAK_MODES        embedded,distributed (the distributed mode needs NATS and PostgreSQL:
 *                           BENCH_DATABASE_URL, default the local server; a schema of its own, dropped)
 *   BENCH_SOAK_KILL         kill -9 the stack mid-stream, restart it on the same data, go on, and check
 *                           that every accepted upload is there exactly once: unset = embedded only,
 *                           1 = both modes (every service process), 0 = never
 *   BENCH_SOAK_KILL_AT      the upload before which it kills (default the middle of the third window)
 *   BENCH_SOAK_MAX_S        stream time limit per mode (28800; 1500 with BENCH_QUICK=1): the stream
 *                           stops there, the table says so, and the kill happens then if not yet done
 *   BENCH_SOAK_QUERIES, BENCH_SOAK_ROUNDS   similar-by-id query set (20 ids) and rounds per window (3)
 *   BENCH_SOAK_SEED (1), BENCH_SOAK_SOURCE (dev-nearcopies/images), BENCH_SOAK_IMAGES_DIR (keep and
 *   reuse the generated images there), BENCH_SOAK_KEEP_DATA=1 (keep the stacks' data folders)
 *
 * Writes $BENCH_OUT/soak.md (default .bench/soak.md; rewritten after every window, so a run cut
 * short keeps its rows) and prints it.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { dropSchema } from '@lookalike/persistence';
import { LanceDbVectorStore } from '@lookalike/vector-store';
import { open as openLmdb } from 'lmdb';
import { writeVariants } from './soak-images';
import {
  addHistograms,
  countOf,
  histogramDelta,
  histogramNames,
  histogramOf,
  quantile,
  scrape,
  type HistogramData,
  type Scrape,
} from './soak-metrics';
import { CpuSampler, multipartFile, SoakStack, type SoakMode } from './soak-stack';

const ROOT = resolve(__dirname, '../../..');
const env = process.env;
const QUICK = env.BENCH_QUICK === '1';
const N = Number(env.BENCH_SOAK_N ?? (QUICK ? 2000 : 20_000));
const WINDOW = Number(env.BENCH_SOAK_WINDOW ?? 500);
const CONCURRENCY = Number(env.BENCH_SOAK_CONCURRENCY ?? 4);
const MODES = (env.BENCH_SOAK_MODES ?? 'embedded,distributed').split(',').filter(Boolean) as SoakMode[];
const KILL = env.BENCH_SOAK_KILL;
const KILL_AT = Number(
  env.BENCH_SOAK_KILL_AT ?? (N >= 3 * WINDOW ? 2 * WINDOW + Math.floor(WINDOW / 2) : Math.floor(N / 2)),
);
const MAX_S = Number(env.BENCH_SOAK_MAX_S ?? (QUICK ? 1500 : 28_800));
const QUERIES = Number(env.BENCH_SOAK_QUERIES ?? 20);
const ROUNDS = Number(env.BENCH_SOAK_ROUNDS ?? 3);
const SEED = Number(env.BENCH_SOAK_SEED ?? 1);
const SOURCE = env.BENCH_SOAK_SOURCE ?? resolve(ROOT, '../shared/datasets/dev-nearcopies/images');
const IMAGES_DIR = env.BENCH_SOAK_IMAGES_DIR;
const KEEP_DATA = env.BENCH_SOAK_KEEP_DATA === '1';
const DATABASE_URL = env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const OUT_FILE = resolve(ROOT, env.BENCH_OUT ?? '.bench', 'soak.md');
const OWNER = 'soak';
const UPLOAD_TIMEOUT_MS = 300_000;
/** 503 busy answers an upload waits out (Retry-After) before it counts as an error. */
const BUSY_RETRIES = 30;
/** The similar-by-id rounds of a window stop here even when the stack is very slow. */
const SEARCH_MAX_MS = 120_000;

for (const [name, value] of Object.entries({
  N,
  WINDOW,
  CONCURRENCY,
  KILL_AT,
  MAX_S,
  QUERIES,
  ROUNDS,
  SEED,
})) {
  if (!Number.isInteger(value) || value < 0 || (value === 0 && !['KILL_AT', 'SEED'].includes(name))) {
    throw new Error(
      `BENCH_SOAK_${name === 'CONCURRENCY' ? 'CONCURRENCY' : name}: expected a positive integer, got ${value}`,
    );
  }
}
for (const mode of MODES) {
  if (mode !== 'embedded' && mode !== 'distributed')
    throw new Error(`BENCH_SOAK_MODES: unknown mode ${mode}`);
}

function killsIn(mode: SoakMode): boolean {
  if (KILL === '0') return false;
  return KILL === '1' || mode === 'embedded';
}

interface UploadResult {
  index: number;
  ok: boolean;
  /** HTTP status, or `network` when no answer came. */
  code: string;
  ms: number;
  imageId?: string;
  status?: 'created' | 'duplicate';
  duplicateCheck?: string;
  sha256?: string;
  /** Sent again after the kill, which took its first attempt down. */
  retried: boolean;
  /** 503 busy answers waited out (Retry-After) before this result. */
  busyWaits?: number;
}

/** One window's readings of the stack's histograms and counters, summed over its segments. */
interface StackReading {
  dedupCheck?: HistogramData;
  /** The part of the check spent waiting for one of the dedup service's check slots. */
  dedupWait?: HistogramData;
  anomalyScore?: HistogramData;
  anomalyLag?: HistogramData;
  anomalyFailures?: number;
  dedupCheckFailures?: number;
  /** Local features: CPU seconds of the OpenCV worker threads, and images extracted / pairs verified. */
  extractSeconds?: number;
  extracted?: number;
  verifySeconds?: number;
  verified?: number;
}

const LOCAL_FEATURE_NUMBERS = ['extractSeconds', 'extracted', 'verifySeconds', 'verified'] as const;

interface WindowRow {
  from: number;
  to: number;
  uploads: number;
  accepted: number;
  seconds: number;
  ingestMs: number[];
  cpuSeconds: number;
  searchMs: number[];
  searchErrors: number;
  reading: StackReading;
  errors: Record<string, number>;
  /** 503 busy answers (the quality loop's backpressure) the client waited out and resent. */
  busyWaits: number;
  dedupUnavailable: number;
  points?: number;
  indexType?: string;
  dataFiles?: number;
  versions?: number;
  rssBytes: number;
  note: string[];
}

interface RestartReport {
  atUpload: number;
  inFlight: number;
  downSeconds: number;
  startupCpuSeconds: number;
  retried: number;
  retriedCreated: number;
  retriedDuplicate: number;
}

interface Verification {
  accepted: number;
  listed: number;
  missing: number;
  listedTwice: number;
  sameBytesTwice: number;
  notAccepted: number;
  byStatus: Record<string, number>;
  points?: number;
  error?: string;
}

interface ModeResult {
  mode: SoakMode;
  model: string;
  rows: WindowRow[];
  dedupMetric: string;
  stoppedEarly?: string;
  restart?: RestartReport;
  killPlanned: boolean;
  verification?: Verification;
  loadStart: string;
  loadEnd: string;
  startupSeconds: number;
  failure?: string;
}

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function devLogin(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: OWNER }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`dev-login answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

function read(s: Scrape, dedupMetric: string): StackReading {
  const subject = (name: string) => (labels: Record<string, string>) => labels.subject === name;
  const failed = (name: string) => (labels: Record<string, string>) =>
    labels.subject === name && labels.outcome !== 'ok';
  return {
    dedupCheck:
      dedupMetric === 'lookalike_rpc_server_duration_seconds'
        ? histogramOf(s, dedupMetric, subject('dedup.v1.check-image'))
        : histogramOf(s, dedupMetric),
    dedupWait: histogramOf(s, 'lookalike_dedup_check_queue_wait_seconds'),
    anomalyScore: histogramOf(s, 'lookalike_rpc_server_duration_seconds', subject('anomaly.v1.score-image')),
    anomalyLag: histogramOf(s, 'lookalike_anomaly_score_lag_seconds'),
    anomalyFailures: countOf(s, 'lookalike_rpc_client_duration_seconds', failed('anomaly.v1.score-image')),
    dedupCheckFailures: countOf(s, 'lookalike_rpc_client_duration_seconds', failed('dedup.v1.check-image')),
    extractSeconds: countOf(s, 'lookalike_local_features_seconds_total', op('extract')),
    extracted: countOf(s, 'lookalike_local_features_items_total', op('extract')),
    verifySeconds: countOf(s, 'lookalike_local_features_seconds_total', op('verify')),
    verified: countOf(s, 'lookalike_local_features_items_total', op('verify')),
  };
}

const op = (name: string) => (labels: Record<string, string>) => labels.op === name;

function numberDelta(end?: number, start?: number): number | undefined {
  return end === undefined ? undefined : end - (start ?? 0);
}

function readingDelta(end: StackReading, start: StackReading): StackReading {
  return {
    dedupCheck: histogramDelta(end.dedupCheck, start.dedupCheck),
    dedupWait: histogramDelta(end.dedupWait, start.dedupWait),
    anomalyScore: histogramDelta(end.anomalyScore, start.anomalyScore),
    anomalyLag: histogramDelta(end.anomalyLag, start.anomalyLag),
    anomalyFailures: numberDelta(end.anomalyFailures, start.anomalyFailures),
    dedupCheckFailures: numberDelta(end.dedupCheckFailures, start.dedupCheckFailures),
    ...Object.fromEntries(LOCAL_FEATURE_NUMBERS.map((k) => [k, numberDelta(end[k], start[k])])),
  };
}

function addNumbers(a?: number, b?: number): number | undefined {
  return a === undefined ? b : b === undefined ? a : a + b;
}

function readingSum(a: StackReading, b: StackReading): StackReading {
  return {
    dedupCheck: addHistograms(a.dedupCheck, b.dedupCheck),
    dedupWait: addHistograms(a.dedupWait, b.dedupWait),
    anomalyScore: addHistograms(a.anomalyScore, b.anomalyScore),
    anomalyLag: addHistograms(a.anomalyLag, b.anomalyLag),
    anomalyFailures: addNumbers(a.anomalyFailures, b.anomalyFailures),
    dedupCheckFailures: addNumbers(a.dedupCheckFailures, b.dedupCheckFailures),
    ...Object.fromEntries(LOCAL_FEATURE_NUMBERS.map((k) => [k, addNumbers(a[k], b[k])])),
  };
}

function countFiles(dir: string): number | undefined {
  if (!existsSync(dir)) return undefined;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    n += entry.isDirectory() ? (countFiles(join(dir, entry.name)) ?? 0) : 1;
  }
  return n;
}

/**
 * What the LanceDB adapter says of the collection (the whole store, or the durable copy under the
 * embedded HNSW store), opened beside the stack; plus the HNSW graph snapshot files when there are.
 */
/**
 * The vector index of a stack's data folder, read from outside: the embedded HNSW store's durable
 * copy (LMDB, opened read-only beside the running stack) or a LanceDB table.
 */
async function describeIndex(dataDir: string): Promise<{ points?: number; indexType?: string }> {
  const dir = join(dataDir, 'lancedb');
  if (!existsSync(dir)) return {};
  const graphFiles = countFiles(join(dir, 'images.hnsw'));
  const graphs = graphFiles === undefined ? '' : `; hnsw graph, ${graphFiles} snapshot files`;
  const lmdbPath = join(dir, 'images.lmdb');
  if (existsSync(lmdbPath)) {
    const env = openLmdb({ path: lmdbPath, readOnly: true, maxDbs: 4 });
    try {
      const points = env.openDB({ name: 'points' }).getCount();
      const mb = statSync(lmdbPath).isDirectory()
        ? readdirSync(lmdbPath).reduce((sum, f) => sum + statSync(join(lmdbPath, f)).size, 0)
        : statSync(lmdbPath).size;
      return { points, indexType: `lmdb ${Math.round(mb / 2 ** 20)} MB${graphs}` };
    } catch {
      return {};
    } finally {
      await env.close();
    }
  }
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  try {
    const description = await store.describeCollection();
    if (!description) return {};
    const types = Object.entries(description.engine)
      .filter(([k]) => k.endsWith('.index'))
      .map(([, v]) => String(v));
    const lance = [...new Set(types)].join('+');
    return {
      points: description.pointsCount,
      indexType: `${lance ? `lancedb ${lance}` : 'lancedb'}${graphs}`,
    };
  } catch {
    return {};
  } finally {
    await store.close().catch(() => undefined);
  }
}

async function pool(
  indices: number[],
  concurrency: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < indices.length) {
        const index = indices[next]!;
        next += 1;
        await work(index);
      }
    }),
  );
}

function load(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

async function soak(mode: SoakMode, files: string[], progress: (r: ModeResult) => void): Promise<ModeResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `lookalike-soak-${mode}-`));
  const schema = `bench_soak_${process.pid}`;
  const result: ModeResult = {
    mode,
    model: 'unknown',
    rows: [],
    dedupMetric: 'lookalike_rpc_server_duration_seconds',
    killPlanned: killsIn(mode),
    loadStart: load(),
    loadEnd: '',
    startupSeconds: 0,
  };
  const startedAt = performance.now();
  let stack: SoakStack | undefined;
  let sampler: CpuSampler | undefined;
  try {
    stack = await SoakStack.start(mode, {
      root: ROOT,
      dataDir,
      ...(mode === 'distributed'
        ? { databaseUrl: `${DATABASE_URL}?schema=${schema}`, subjectPrefix: `soak${process.pid}` }
        : {}),
    });
    const running = stack;
    result.startupSeconds = (performance.now() - startedAt) / 1000;
    const cpu = new CpuSampler(() => running.pids());
    sampler = cpu;
    let token = await devLogin(stack.url);
    const models = (await (
      await fetch(`${stack.url}/api/models`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { name?: string; version?: string };
    result.model = `${models.name ?? 'unknown'} ${models.version ?? ''}`.trim();

    const first = await scrape(stack.metricsUrls());
    result.dedupMetric =
      histogramNames(first, /^lookalike_.*(dedup|duplicate).*check.*_seconds$/)[0] ??
      'lookalike_rpc_server_duration_seconds';

    const outcomes = new Map<number, UploadResult>();
    const queryIds: string[] = [];
    const deadline = Date.now() + MAX_S * 1000;
    let stopBefore = N;
    let outOfTime = false;
    let killAt = killsIn(mode) ? Math.max(1, KILL_AT) - 1 : Infinity;
    let restarting: Promise<void> | undefined;
    let restartDoneAt = 0;
    let inFlight = 0;
    // Metrics of the current window: completed segments (a kill ends one) and the current start.
    let segments: StackReading = {};
    let segmentStart: StackReading = read(first, result.dedupMetric);
    let downMs = 0;
    let startupCpu = 0;

    const killAndRestart = async (atIndex: number): Promise<void> => {
      const before = await scrape(running.metricsUrls());
      segments = readingSum(segments, readingDelta(read(before, result.dedupMetric), segmentStart));
      const report: RestartReport = {
        atUpload: atIndex + 1,
        inFlight,
        downSeconds: 0,
        startupCpuSeconds: 0,
        retried: 0,
        retriedCreated: 0,
        retriedDuplicate: 0,
      };
      result.restart = report;
      const cpuBefore = cpu.sample();
      const t = performance.now();
      console.error(`${mode}: kill -9 before upload ${atIndex + 1} with ${inFlight} uploads in flight`);
      await running.kill9();
      await running.restart();
      token = await devLogin(running.url);
      const after = await scrape(running.metricsUrls());
      segmentStart = read(after, result.dedupMetric);
      report.downSeconds = (performance.now() - t) / 1000;
      downMs += performance.now() - t;
      report.startupCpuSeconds = cpu.sample() - cpuBefore;
      startupCpu += report.startupCpuSeconds;
      restartDoneAt = performance.now();
      console.error(`${mode}: back after ${report.downSeconds.toFixed(1)} s`);
    };

    /**
     * One upload as a well-behaved client sends it: a 503 busy answer (the quality loop's
     * backpressure, with Retry-After) is waited out and the upload sent again, up to
     * BUSY_RETRIES times; the latency is the whole wait, from the first attempt.
     */
    const uploadOnce = async (index: number): Promise<UploadResult> => {
      const started = performance.now();
      let busyWaits = 0;
      for (;;) {
        const result = await uploadAttempt(index);
        if (result.ok || !result.code.startsWith('503') || busyWaits >= BUSY_RETRIES) {
          return { ...result, ms: performance.now() - started, busyWaits };
        }
        busyWaits += 1;
        await new Promise((r) => setTimeout(r, (result.retryAfterSeconds ?? 1) * 1000));
      }
    };

    const uploadAttempt = async (index: number): Promise<UploadResult & { retryAfterSeconds?: number }> => {
      const file = files[index]!;
      const { body, type } = multipartFile(readFileSync(file), basename(file));
      const started = performance.now();
      inFlight += 1;
      try {
        const response = await fetch(`${running.url}/api/images`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': type },
          body,
          signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
        });
        const text = await response.text();
        const ms = performance.now() - started;
        if (!response.ok) {
          let code = String(response.status);
          try {
            code += ` ${String((JSON.parse(text) as { code?: string }).code ?? '')}`.trimEnd();
          } catch {
            // not problem+json
          }
          const retryAfter = Number(response.headers.get('retry-after'));
          return {
            index,
            ok: false,
            code,
            ms,
            retried: false,
            retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
          };
        }
        const answer = JSON.parse(text) as {
          image_id: string;
          status: 'created' | 'duplicate';
          duplicate_check: string;
        };
        return {
          index,
          ok: true,
          code: String(response.status),
          ms,
          imageId: answer.image_id,
          status: answer.status,
          duplicateCheck: answer.duplicate_check,
          retried: false,
        };
      } catch (error) {
        const code = error instanceof Error && error.name === 'TimeoutError' ? 'client timeout' : 'network';
        return { index, ok: false, code, ms: performance.now() - started, retried: false };
      } finally {
        inFlight -= 1;
      }
    };

    const upload = async (index: number): Promise<UploadResult> => {
      const sentAt = performance.now();
      const outcome = await uploadOnce(index);
      // Sent before the stack was back from the kill and failed: a client would send it again.
      if (!outcome.ok && restarting && sentAt < restartDoneAt + 1) {
        await restarting;
        const again = { ...(await uploadOnce(index)), retried: true };
        if (result.restart) {
          result.restart.retried += 1;
          if (again.status === 'created') result.restart.retriedCreated += 1;
          if (again.status === 'duplicate') result.restart.retriedDuplicate += 1;
        }
        return again;
      }
      return outcome;
    };

    // Server CPU is counted without gaps: each window from the previous one's last reading.
    let cpuMark = cpu.sample();
    for (let from = 0; from < N && from < stopBefore; from += WINDOW) {
      const to = Math.min(N, from + WINDOW);
      const row: WindowRow = {
        from: from + 1,
        to,
        uploads: 0,
        accepted: 0,
        seconds: 0,
        ingestMs: [],
        cpuSeconds: 0,
        searchMs: [],
        searchErrors: 0,
        reading: {},
        errors: {},
        busyWaits: 0,
        dedupUnavailable: 0,
        rssBytes: 0,
        note: [],
      };
      token = await devLogin(running.url);
      downMs = 0;
      startupCpu = 0;
      segments = {};
      const t0 = performance.now();
      await pool(
        Array.from({ length: to - from }, (_, i) => from + i),
        CONCURRENCY,
        async (index) => {
          if (index >= stopBefore) return;
          if (!outOfTime && Date.now() > deadline) {
            // Out of time: a few more uploads, with the kill first if it has not happened yet.
            outOfTime = true;
            stopBefore = Math.min(N, index + 2 * CONCURRENCY);
            if (stopBefore < N) {
              result.stoppedEarly = `stopped at the ${MAX_S} s limit: ${stopBefore} of ${N} uploads sent`;
            }
            if (killAt > index && Number.isFinite(killAt)) killAt = index;
          }
          if (restarting && performance.now() < restartDoneAt + 1) await restarting;
          if (index >= killAt && !restarting) {
            restarting = killAndRestart(index);
            restartDoneAt = Infinity;
            await restarting;
            row.note.push(`kill -9 before upload ${index + 1}`);
          }
          const outcome = await upload(index);
          outcomes.set(index, outcome);
          row.uploads += 1;
          row.busyWaits += outcome.busyWaits ?? 0;
          if (outcome.ok) {
            row.accepted += 1;
            row.ingestMs.push(outcome.ms);
            if (outcome.duplicateCheck === 'unavailable') row.dedupUnavailable += 1;
          } else {
            row.errors[outcome.code] = (row.errors[outcome.code] ?? 0) + 1;
          }
        },
      );
      row.seconds = (performance.now() - t0 - downMs) / 1000;
      if (row.uploads < to - from) {
        row.to = from + row.uploads;
        row.note.push('partial: the time limit');
      }
      const end = await scrape(running.metricsUrls());
      row.reading = readingSum(segments, readingDelta(read(end, result.dedupMetric), segmentStart));
      segmentStart = read(end, result.dedupMetric);

      if (queryIds.length === 0) {
        for (const [, o] of [...outcomes].sort(([a], [b]) => a - b)) {
          if (o.ok && o.status === 'created' && o.imageId && queryIds.length < QUERIES)
            queryIds.push(o.imageId);
        }
      }
      const searchUntil = Date.now() + SEARCH_MAX_MS;
      for (let round = 0; round < ROUNDS && Date.now() < searchUntil; round += 1) {
        for (const imageId of queryIds) {
          if (Date.now() > searchUntil) break;
          const t = performance.now();
          try {
            const response = await fetch(`${running.url}/api/search/similar`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ image_id: imageId, limit: 10 }),
              signal: AbortSignal.timeout(60_000),
            });
            await response.arrayBuffer();
            if (response.ok) row.searchMs.push(performance.now() - t);
            else row.searchErrors += 1;
          } catch {
            row.searchErrors += 1;
          }
        }
      }
      row.rssBytes = cpu.rss();
      // LanceDB's files and versions (the distributed mode here; n/a under the embedded HNSW store).
      const lance = join(dataDir, 'lancedb', 'images.lance');
      row.dataFiles = countFiles(join(lance, 'data'));
      row.versions = countFiles(join(lance, '_versions'));
      Object.assign(row, await describeIndex(dataDir));
      const cpuNow = cpu.sample();
      row.cpuSeconds = cpuNow - cpuMark - startupCpu;
      cpuMark = cpuNow;
      result.rows.push(row);
      progress(result);
      console.error(`${mode}: ${renderRow(row)}`);
    }

    result.verification = await verify(running.url, token, outcomes, dataDir);
    result.loadEnd = load();
    progress(result);
    return result;
  } catch (error) {
    result.failure = error instanceof Error ? error.message : String(error);
    if (stack) result.failure += `\n${stack.logTail(1500)}`;
    result.loadEnd = load();
    return result;
  } finally {
    sampler?.close();
    await stack?.stop();
    if (mode === 'distributed') {
      await dropSchema(DATABASE_URL, schema).catch((error: unknown) =>
        console.error(`could not drop ${schema}: ${String(error)}`),
      );
    }
    if (KEEP_DATA) console.error(`${mode}: data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every upload that got a 2xx must be listed exactly once, and no bytes twice. */
async function verify(
  url: string,
  token: string,
  outcomes: Map<number, UploadResult>,
  dataDir: string,
): Promise<Verification> {
  const acceptedIds = new Set<string>();
  for (const o of outcomes.values()) if (o.ok && o.imageId) acceptedIds.add(o.imageId);
  const seen = new Map<string, number>();
  const shas = new Map<string, number>();
  const byStatus: Record<string, number> = {};
  let cursor: string | undefined;
  const out: Verification = {
    accepted: acceptedIds.size,
    listed: 0,
    missing: 0,
    listedTwice: 0,
    sameBytesTwice: 0,
    notAccepted: 0,
    byStatus,
  };
  const until = Date.now() + 600_000;
  try {
    for (let page = 0; page < N / 200 + 20 && Date.now() < until; page += 1) {
      const query = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
      const response = await fetch(`${url}/api/images?${query.toString()}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(60_000),
      });
      if (!response.ok) throw new Error(`GET /api/images answered ${response.status}`);
      const body = (await response.json()) as {
        images: Array<{ image_id: string; status: string; payload?: { sha256?: string } }>;
        next_cursor?: string;
      };
      for (const image of body.images) {
        seen.set(image.image_id, (seen.get(image.image_id) ?? 0) + 1);
        const sha = image.payload?.sha256;
        if (sha) shas.set(sha, (shas.get(sha) ?? 0) + 1);
        byStatus[image.status] = (byStatus[image.status] ?? 0) + 1;
        out.listed += 1;
      }
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    if (cursor) throw new Error('the listing did not end within the page and time limits');
  } catch (error) {
    out.error = error instanceof Error ? error.message : String(error);
  }
  for (const id of acceptedIds) if (!seen.has(id)) out.missing += 1;
  for (const [id, n] of seen) {
    if (n > 1) out.listedTwice += 1;
    if (!acceptedIds.has(id)) out.notAccepted += 1;
  }
  for (const n of shas.values()) if (n > 1) out.sameBytesTwice += 1;
  out.points = (await describeIndex(dataDir)).points;
  return out;
}

function ms(value: number | undefined, digits = 0): string {
  return value === undefined ? 'n/a' : value.toFixed(digits);
}

function histogramCell(h: HistogramData | undefined, scale: number, digits: number): string {
  if (!h) return 'n/a';
  const p50 = quantile(h, 0.5);
  const p95 = quantile(h, 0.95);
  if (!p50 || !p95) return '-';
  const f = (q: { seconds: number; above: boolean }) =>
    `${q.above ? '>' : ''}${(q.seconds * scale).toFixed(digits)}`;
  return `${f(p50)} / ${f(p95)}`;
}

function cpuPerImage(row: WindowRow): number | undefined {
  return row.accepted > 0 ? (row.cpuSeconds * 1000) / row.accepted : undefined;
}

/** Local features' CPU per accepted image (extraction + verification), and verified pairs per image. */
function localFeatureCell(row: WindowRow): string {
  const r = row.reading;
  if (r.extractSeconds === undefined || row.accepted === 0) return 'n/a';
  const perImage = (1000 * ((r.extractSeconds ?? 0) + (r.verifySeconds ?? 0))) / row.accepted;
  return `${perImage.toFixed(0)} (${((r.verified ?? 0) / row.accepted).toFixed(1)})`;
}

function renderRow(row: WindowRow): string {
  const errors = Object.entries(row.errors)
    .map(([code, n]) => `${n} ${code}`)
    .join(', ');
  const cells = [
    `${row.from}-${row.to}${row.note.length > 0 ? ` (${row.note.join('; ')})` : ''}`,
    ms(percentile(row.ingestMs, 50)),
    ms(percentile(row.ingestMs, 95)),
    (row.accepted / Math.max(row.seconds, 1e-9)).toFixed(2),
    ms(cpuPerImage(row)),
    ms(percentile(row.searchMs, 50), 1),
    ms(percentile(row.searchMs, 95), 1),
    `${histogramCell(row.reading.dedupCheck, 1000, 0)}${row.reading.dedupWait ? ` (${histogramCell(row.reading.dedupWait, 1000, 0)})` : ''}`,
    histogramCell(row.reading.anomalyScore, 1000, 0),
    histogramCell(row.reading.anomalyLag, 1, 1),
    localFeatureCell(row),
    `${errors || '0'}${row.busyWaits > 0 ? ` (${row.busyWaits} busy waited out)` : ''}${row.searchErrors > 0 ? `; search ${row.searchErrors}` : ''}`,
    String(row.dedupUnavailable),
    row.reading.anomalyFailures === undefined ? 'n/a' : String(row.reading.anomalyFailures),
    row.points === undefined ? 'n/a' : `${row.points}${row.indexType ? ` (${row.indexType})` : ''}`,
    row.dataFiles === undefined ? 'n/a' : String(row.dataFiles),
    row.versions === undefined ? 'n/a' : String(row.versions),
    (row.rssBytes / 2 ** 20).toFixed(0),
  ];
  return `| ${cells.join(' | ')} |`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;
}

function renderMode(r: ModeResult): string[] {
  const lines = [
    `### ${r.mode}`,
    '',
    `Model ${r.model}; stack ready in ${r.startupSeconds.toFixed(0)} s; load average ${r.loadStart} at the start, ${r.loadEnd || '(running)'} at the end.`,
    '',
  ];
  if (r.rows.length > 0) {
    lines.push(
      '| uploads | ingest p50 ms | ingest p95 ms | images/s | server CPU ms/image | similar p50 ms | similar p95 ms | dedup check p50 / p95 ms (slot wait) | anomaly score p50 / p95 ms | anomaly lag p50 / p95 s | local features ms/image (pairs/image) | errors | dedup unavailable | anomaly failures | index points | data files | versions | server RSS MB |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: |',
      ...r.rows.map(renderRow),
      '',
    );
  }
  if (r.failure)
    lines.push(`**Failed:** ${r.failure.split('\n')[0]}`, '', '```', r.failure.slice(0, 4000), '```', '');
  // A window the time limit cut short is too small to compare.
  const complete = r.rows.filter((row) => row.to - row.from + 1 === WINDOW);
  const second = complete[1];
  const last = complete.at(-1);
  const quality = r.rows.reduce(
    (acc, row) => {
      acc.dedup += row.dedupUnavailable;
      acc.anomaly += row.reading.anomalyFailures ?? 0;
      acc.errors += Object.values(row.errors).reduce((a, b) => a + b, 0);
      return acc;
    },
    { dedup: 0, anomaly: 0, errors: 0 },
  );
  if (second && last && complete.length >= 3) {
    const cpu = ratio(cpuPerImage(last), cpuPerImage(second));
    const search = ratio(percentile(last.searchMs, 50), percentile(second.searchMs, 50));
    const within = [
      cpuPerImage(last)! / cpuPerImage(second)!,
      percentile(last.searchMs, 50)! / percentile(second.searchMs, 50)!,
    ].every((x) => x <= 1.25);
    lines.push(
      `**Summary (${r.mode}):** last complete window / second window: server CPU per image ${cpu}, similar-by-id p50 ${search} (acceptance: both within 1.25x: ${within ? 'yes' : 'NO'}); quality-loop failures ${quality.dedup + quality.anomaly} (dedup check unavailable ${quality.dedup}, anomaly notifications failed ${quality.anomaly}); upload errors ${quality.errors}.`,
    );
  } else {
    lines.push(
      `**Summary (${r.mode}):** fewer than 3 complete windows, no last/second ratio; quality-loop failures ${quality.dedup + quality.anomaly} (dedup check unavailable ${quality.dedup}, anomaly notifications failed ${quality.anomaly}); upload errors ${quality.errors}.`,
    );
  }
  if (r.stoppedEarly) lines.push('', `Time limit: ${r.stoppedEarly}.`);
  const v = r.verification;
  const restart = r.restart
    ? `kill -9 of every server process before upload ${r.restart.atUpload} with ${r.restart.inFlight} uploads in flight; back (restart on the same data, ready, logged in) in ${r.restart.downSeconds.toFixed(1)} s using ${r.restart.startupCpuSeconds.toFixed(1)} s of CPU (left out of that window's images/s and CPU); ${r.restart.retried} cut-off uploads sent again (${r.restart.retriedCreated} created, ${r.restart.retriedDuplicate} duplicate of the first attempt).`
    : !r.loadEnd
      ? 'not yet (the run is in progress).'
      : r.killPlanned
        ? 'the kill was planned but did not happen (the stream ended first).'
        : 'no kill in this mode (BENCH_SOAK_KILL).';
  lines.push('', `Restart check: ${restart}`);
  if (v) {
    // Listed but never answered 2xx (a first attempt the kill cut off whose retry failed too) is
    // neither a loss nor a duplicate: reported, not failed.
    const pass = !v.error && v.missing === 0 && v.listedTwice === 0 && v.sameBytesTwice === 0;
    const statuses = Object.entries(v.byStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ');
    lines.push(
      '',
      `Accepted uploads present exactly once: **${pass ? 'yes' : 'NO'}**: ${v.accepted} distinct image ids answered 2xx, ${v.listed} listed by GET /api/images (${statuses || 'none'}), ${v.missing} accepted but not listed, ${v.listedTwice} listed twice, ${v.sameBytesTwice} with the same bytes twice, ${v.notAccepted} listed but never answered 2xx; ${v.points ?? 'n/a'} points in the vector index.${v.error ? ` Listing failed: ${v.error}.` : ''}`,
    );
  }
  lines.push('');
  return lines;
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return dirty.trim() ? `${head} (with uncommitted changes in the working tree)` : head;
  } catch {
    return 'unknown';
  }
}

function render(results: ModeResult[], generated: { seconds: number; bytes: number }): string {
  const lines = [
    `## Soak: ${N} distinct uploads per mode (${new Date().toISOString().slice(0, 16)}Z, commit ${commit()})`,
    '',
    `${N} seeded variants of ${SOURCE} (crop, resize to a long side of 960-1088 px, JPEG re-encode; mean ${(generated.bytes / N / 1024).toFixed(0)} KiB, generated in ${generated.seconds.toFixed(0)} s before the run, untimed), uploaded through POST /api/images, ${CONCURRENCY} at a time, a row per ${WINDOW} uploads; ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, node ${process.version}.`,
    '',
    `Columns: ingest = client-side time of the upload request; images/s = accepted uploads over the window's upload time (restart downtime left out); server CPU = user+system of the stack's processes (/proc) from the window's first upload to the end of its similar-by-id queries, per accepted upload; similar = POST /api/search/similar {image_id} for ${QUERIES} images of the first window, ${ROUNDS} rounds one at a time after the window's uploads; dedup check = ${results[0]?.dedupMetric === 'lookalike_rpc_server_duration_seconds' ? 'the dedup service handling dedup.v1.check-image (lookalike_rpc_server_duration_seconds)' : `\`${results[0]?.dedupMetric}\``}; anomaly score = the anomaly service handling anomaly.v1.score-image; anomaly lag = lookalike_anomaly_score_lag_seconds ("n/a": the stack does not export it); p50/p95 from histogram buckets ("-": none in the window, ">": beyond the last bucket); errors = non-2xx or no answer after waiting out up to ${BUSY_RETRIES} 503 busy answers (their count in brackets); local features = CPU of the OpenCV worker threads (lookalike_local_features_seconds_total: extraction at ingest and pair verification in the dedup check, per-thread scheduler time) per accepted upload, with the pairs verified per upload in brackets; dedup unavailable = answers with duplicate_check "unavailable"; slot wait = the part of the check spent waiting for one of the dedup service's check slots (lookalike_dedup_check_queue_wait_seconds); anomaly failures = anomaly.v1.score-image notifications that failed or timed out; index points = points of the durable copy (embedded: LMDB, with its size, and the HNSW graph snapshot files) or rows of the LanceDB table with its vector index; data files / versions = files under <data>/lancedb/images.lance/{data,_versions} (n/a without a LanceDB table); RSS = the server processes at the window end.`,
    '',
  ];
  for (const r of results) lines.push(...renderMode(r));
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const imagesDir = IMAGES_DIR ?? mkdtempSync(join(tmpdir(), 'lookalike-soak-images-'));
  mkdirSync(imagesDir, { recursive: true });
  mkdirSync(resolve(OUT_FILE, '..'), { recursive: true });
  const results: ModeResult[] = [];
  let failed = false;
  try {
    const t = performance.now();
    console.error(`generating ${N} images into ${imagesDir}`);
    const files = await writeVariants(SOURCE, imagesDir, N, SEED);
    const generated = {
      seconds: (performance.now() - t) / 1000,
      bytes: files.reduce((sum, f) => sum + statSync(f).size, 0),
    };
    console.error(`generated in ${generated.seconds.toFixed(0)} s`);
    for (const mode of MODES) {
      const write = (current: ModeResult) => {
        const shown = [...results.filter((r) => r !== current), current];
        writeFileSync(OUT_FILE, render(shown, generated));
      };
      const r = await soak(mode, files, write);
      results.push(r);
      write(r);
      if (r.failure || r.verification?.error) failed = true;
    }
    const text = render(results, generated);
    writeFileSync(OUT_FILE, text);
    process.stdout.write(text);
  } finally {
    if (!IMAGES_DIR) rmSync(imagesDir, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
