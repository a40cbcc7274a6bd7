/**
 * Ingest throughput (issue 15): distinct ~1024 px JPEG photos (seeded crops, resizes and re-encodes
 * of dev-nearcopies, the soak's generator) into the whole stack with the quality loop on (the dedup
 * check at upload with geometric verification, anomaly scoring), by three client paths, in each
 * run mode, against the bare decode+model loop on the same files in the same run:
 *
 *   npx tsc -b tsconfig.build.json && node services/ingest/bench/run-dist.cjs services/ingest/bench/ingest.bench.ts
 *
 * - upload: one `POST /api/images` (multipart) per file, BENCH_CONCURRENCY (8) in flight; a 503 busy
 *   answer (the quality loop's backpressure) is waited out (Retry-After) and sent again.
 * - batch: presign + PUT of every file (8 in flight), then one `POST /api/images/ingest/batch`; the
 *   job is polled to its end. The rate counts from the first presign.
 * - cli: the import CLI (`services/ingest/dist/cli/import.js`, its default concurrency) on the folder.
 *
 * The stack runs as child processes (SoakStack: `services/embedded/dist/main.js`, as `make demo`
 * runs it; or one process per service over NATS and PostgreSQL), so its CPU is read from /proc
 * apart from the client's. Each path uploads as a tenant of its own (an empty collection).
 *
 * BENCH_N files (400; 120 with BENCH_QUICK=1), BENCH_INGEST_MODES (embedded,distributed),
 * BENCH_INGEST_PATHS (upload,batch,cli); BENCH_IMAGES_DIR keeps the generated files for the next
 * run. "Bare decode+model" is what the embedding service must do per image at least: decode,
 * preprocess and run the same model (the runtime the stack loads), 8 images per batch, serially,
 * in this process after the stacks have stopped. Each run prints its window on CLOCK_MONOTONIC for
 * scripts/bench/ingest-profile.sh.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  DEFAULT_IMAGE_LIMITS,
  inlineAnalysisOn,
  ingestArtefacts,
  inspectImage,
  sha256Hex,
} from '@lookalike/imaging';
import { LocalFeaturePool } from '@lookalike/local-features';
import { dropSchema } from '@lookalike/persistence';
import { inspectModelInput, loadEmbeddingModels } from '@lookalike/service-embedding';
import { CpuSampler, multipartFile, SoakStack, type SoakMode } from '../../embedded/bench/soak-stack';
import { writeVariants } from '../../embedded/bench/soak-images';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 120 : 400));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MODES = (process.env.BENCH_INGEST_MODES ?? 'embedded,distributed')
  .split(',')
  .filter(Boolean) as SoakMode[];
const PATHS = (process.env.BENCH_INGEST_PATHS ?? 'upload,batch,cli').split(',').filter(Boolean);
const ROOT = resolve(__dirname, '../../..');
const SOURCE = process.env.BENCH_SOURCE ?? resolve(ROOT, '../shared/datasets/dev-nearcopies/images');
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = 8;
const BUSY_RETRIES = 60;

interface PathResult {
  mode: SoakMode;
  path: string;
  images: number;
  seconds: number;
  serverCpuMs: number;
  clientCpuMs?: number;
  p50?: number;
  p95?: number;
  outcomes: Record<string, number>;
  busyWaits: number;
  lagP99Ms: number;
  machine?: MachineLoad;
}

/** The whole machine over a path's window, from /proc/stat: what the stack's own CPU does not show. */
interface MachineLoad {
  /** Cores busy on average (every process, the client's included). */
  busyCores: number;
  /** Share of the busy time spent in the kernel (system, irq, softirq). */
  kernelShare: number;
  contextSwitches: number;
}

interface ProcStatTotals {
  busy: number;
  kernel: number;
  all: number;
  contextSwitches: number;
}

/** The first `cpu` line of /proc/stat (jiffies) and the machine's context switches so far; undefined off Linux. */
function procStatTotals(): ProcStatTotals | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'latin1');
  } catch {
    return undefined;
  }
  const cpu = /^cpu\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
  const ctxt = /^ctxt\s+(\d+)$/m.exec(text)?.[1];
  if (!cpu || cpu.length < 8 || ctxt === undefined) return undefined;
  // user nice system idle iowait irq softirq steal (guest time is inside user and nice).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = cpu;
  const kernel = system + irq + softirq;
  const busy = user + nice + kernel + steal;
  return { busy, kernel, all: busy + idle + iowait, contextSwitches: Number(ctxt) };
}

/** "1.91 cores, 21% kernel, 672 / image": how busy the machine was and what its kernel did. */
function machineCell(load: MachineLoad | undefined, images: number): string {
  if (!load) return 'n/a';
  return `${load.busyCores.toFixed(2)} cores, ${(100 * load.kernelShare).toFixed(0)}% kernel, ${(load.contextSwitches / images).toFixed(0)} / image`;
}

function machineLoad(
  before: ProcStatTotals | undefined,
  after: ProcStatTotals | undefined,
): MachineLoad | undefined {
  if (!before || !after || after.all <= before.all) return undefined;
  const busy = after.busy - before.busy;
  return {
    busyCores: (busy / (after.all - before.all)) * availableParallelism(),
    kernelShare: busy > 0 ? (after.kernel - before.kernel) / busy : 0,
    contextSwitches: after.contextSwitches - before.contextSwitches,
  };
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        await work(item!);
      }
    }),
  );
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const monotonic = () => (Number(process.hrtime.bigint() / 1000n) / 1e6).toFixed(6);

/** The HTTP loop's lag: the gateway thread's series (embedded) or the gateway process's own. */
function gatewayLag(page: string): number | undefined {
  const lines = page.split('\n').filter((l) => l.startsWith('lookalike_nodejs_eventloop_lag_p99_seconds'));
  const line = lines.find((l) => l.includes('thread="gateway"')) ?? lines.find((l) => !l.includes('thread='));
  return line ? Number(line.split(' ').pop()) : undefined;
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function tokenFor(url: string, user: string): Promise<string> {
  const login = await fetch(`${url}/api/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: user }),
  });
  return (await json<{ access_token: string }>(login)).access_token;
}

/** One `POST /api/images` per file. */
async function uploadPath(url: string, token: string, files: string[], result: PathResult): Promise<void> {
  const latencies: number[] = [];
  const auth = { authorization: `Bearer ${token}` };
  await pool(files, CONCURRENCY, async (file) => {
    const started = performance.now();
    for (let attempt = 0; ; attempt += 1) {
      const { body, type } = multipartFile(readFileSync(file), basename(file));
      const response = await fetch(`${url}/api/images`, {
        method: 'POST',
        headers: { ...auth, 'content-type': type },
        body,
      });
      const answer = (await response.json()) as { status?: string; code?: string };
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.status === 503 && retryAfter > 0 && attempt < BUSY_RETRIES) {
        result.busyWaits += 1;
        await new Promise((r) => setTimeout(r, retryAfter * 1000));
        continue;
      }
      const outcome = response.ok ? String(answer.status) : `${response.status} ${answer.code}`;
      result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
      latencies.push(performance.now() - started);
      return;
    }
  });
  const sorted = latencies.sort((a, b) => a - b);
  result.p50 = percentile(sorted, 50);
  result.p95 = percentile(sorted, 95);
}

/** Presign + PUT every file, then one batch ingest job, polled to its end. */
async function batchPath(url: string, token: string, files: string[], result: PathResult): Promise<void> {
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const items: { bucket: string; key: string }[] = [];
  await pool(files, CONCURRENCY, async (file) => {
    const bytes = readFileSync(file);
    const signed = await json<{
      bucket: string;
      key: string;
      url: string;
      method: string;
      headers: Record<string, string>;
    }>(
      await fetch(`${url}/api/images/presign`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({
          content_type: 'image/jpeg',
          filename: basename(file),
          size_bytes: bytes.length,
        }),
      }),
    );
    const put = await fetch(signed.url, { method: signed.method, headers: signed.headers, body: bytes });
    if (!put.ok) throw new Error(`upload of ${file} failed with HTTP ${put.status}`);
    items.push({ bucket: signed.bucket, key: signed.key });
  });
  const { job_id: jobId } = await json<{ job_id: string }>(
    await fetch(`${url}/api/images/ingest/batch`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ items }),
    }),
  );
  for (;;) {
    const job = await json<{
      state: string;
      done: number;
      failures: { code: string }[];
      result?: Record<string, unknown>;
    }>(await fetch(`${url}/api/jobs/${jobId}`, { headers: auth }));
    if (['succeeded', 'failed', 'cancelled'].includes(job.state)) {
      result.outcomes[`job ${job.state}`] = 1;
      for (const failure of job.failures)
        result.outcomes[failure.code] = (result.outcomes[failure.code] ?? 0) + 1;
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The import CLI on a folder holding exactly these files. */
async function cliPath(url: string, user: string, files: string[], result: PathResult): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-bench-cli-'));
  try {
    // Copies: the CLI walks regular files, not links.
    for (const file of files) copyFileSync(file, join(dir, basename(file)));
    const output = await new Promise<string>((done, fail) => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'services/ingest/dist/cli/import.js'),
          dir,
          '--url',
          url,
          '--user',
          user,
          '--state',
          join(dir, '..', `${basename(dir)}.state.json`),
          '--no-progress',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('exit', (code) =>
        code === 0 ? done(text) : fail(new Error(`import CLI exited ${code}: ${text}`)),
      );
    });
    for (const name of ['created', 'duplicate', 'rejected']) {
      const match = new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(output);
      if (match) result.outcomes[name] = Number(match[1]);
    }
    const waited = /^waited\s+(\d+) times/m.exec(output);
    if (waited) result.busyWaits = Number(waited[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.state.json`, { force: true });
  }
}

async function runMode(mode: SoakMode, files: string[], results: PathResult[]): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), `lookalike-ingest-bench-${mode}-`));
  const schema = `bench_ingest_${process.pid}`;
  const stack = await SoakStack.start(mode, {
    root: ROOT,
    dataDir,
    ...(mode === 'distributed'
      ? { databaseUrl: `${DATABASE_URL}?schema=${schema}`, subjectPrefix: `ingestbench${process.pid}` }
      : {}),
  });
  const sampler = new CpuSampler(() => stack.pids());
  let model = 'unknown';
  try {
    for (const path of PATHS) {
      const user = `bench-${path}`;
      const token = await tokenFor(stack.url, user);
      model =
        (
          await json<{ name?: string }>(
            await fetch(`${stack.url}/api/models`, { headers: { authorization: `Bearer ${token}` } }),
          )
        ).name ?? model;
      // Warm-up (first model call, first index writes of the tenant): not counted.
      const warm = {
        mode,
        path,
        images: 1,
        seconds: 0,
        serverCpuMs: 0,
        outcomes: {},
        busyWaits: 0,
        lagP99Ms: 0,
      };
      await uploadPath(stack.url, token, files.slice(0, 1), warm);
      const measured = files.slice(1);
      const result: PathResult = {
        mode,
        path,
        images: measured.length,
        seconds: 0,
        serverCpuMs: 0,
        outcomes: {},
        busyWaits: 0,
        lagP99Ms: 0,
      };
      // Asked for unencoded: fetch would ask for gzip, and the gateway's compression of the page
      // (about 1 ms of server CPU per upload at a scrape every 2 s) is the bench's cost, not ingest's.
      const lagSampler = setInterval(() => {
        void fetch(`${stack.url}/metrics`, { headers: { 'accept-encoding': 'identity' } })
          .then((r) => r.text())
          .then((page) => {
            const lag = gatewayLag(page);
            if (lag !== undefined) result.lagP99Ms = Math.max(result.lagP99Ms, lag * 1000);
          })
          .catch(() => undefined);
      }, 2000);
      const serverBefore = sampler.sample();
      const clientBefore = process.cpuUsage();
      const machineBefore = procStatTotals();
      const windowStart = monotonic();
      const started = performance.now();
      if (path === 'upload') await uploadPath(stack.url, token, measured, result);
      else if (path === 'batch') await batchPath(stack.url, token, measured, result);
      else if (path === 'cli') await cliPath(stack.url, user, measured, result);
      else throw new Error(`unknown path ${path}`);
      result.seconds = (performance.now() - started) / 1000;
      result.serverCpuMs = (sampler.sample() - serverBefore) * 1000;
      if (path !== 'cli') result.clientCpuMs = cpuMs(clientBefore);
      result.machine = machineLoad(machineBefore, procStatTotals());
      clearInterval(lagSampler);
      process.stderr.write(
        `e2e window (CLOCK_MONOTONIC s): ${windowStart} ${monotonic()} uploads ${measured.length} client ${process.pid} ${mode}/${path}\n`,
      );
      results.push(result);
      // BENCH_METRICS_OUT keeps the stack's /metrics page after each path (stage latencies, queue waits).
      const metricsOut = process.env.BENCH_METRICS_OUT;
      if (metricsOut) {
        writeFileSync(
          `${metricsOut}.${mode}.${path}.prom`,
          await (await fetch(`${stack.url}/metrics`)).text(),
        );
      }
    }
  } finally {
    sampler.close();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (mode === 'distributed') await dropSchema(DATABASE_URL, schema).catch(() => undefined);
  }
  return model;
}

type BareModel = Awaited<ReturnType<typeof loadEmbeddingModels>>['image'];

interface BareRun {
  seconds: number;
  cpuMs: number;
  machine?: MachineLoad;
}

/**
 * A bare loop: `prepare` writes each file's model input into its slot of a batch tensor (and does
 * whatever else the loop measures), then the model runs on the batch, BATCH files at a time,
 * nothing else running. Wall seconds and this process's CPU (libvips' and ONNX's threads included).
 */
async function bareLoop(
  files: string[],
  model: BareModel,
  prepare: (bytes: Buffer, input: Float32Array, offset: number) => Promise<unknown>,
): Promise<BareRun> {
  const per = model.preprocessor.tensorLength;
  const cpu = process.cpuUsage();
  const machine = procStatTotals();
  const started = performance.now();
  for (let i = 0; i < files.length; i += BATCH) {
    const group = files.slice(i, i + BATCH);
    const input = new Float32Array(group.length * per);
    await Promise.all(group.map((file, j) => prepare(readFileSync(file), input, j * per)));
    await model.run(input, group.length);
  }
  return {
    seconds: (performance.now() - started) / 1000,
    cpuMs: cpuMs(cpu),
    machine: machineLoad(machine, procStatTotals()),
  };
}

/**
 * What ingest computes for each file, as its pipeline does it (libs/imaging's inspection and one
 * decode for pHash, quality and thumbnails, the compiled quality sums, local features in their
 * pool, the model on the embedding service's preprocessing): the bare library loop the service is
 * compared with.
 */
async function bareImageWork(files: string[], model: BareModel): Promise<BareRun> {
  const limits = DEFAULT_IMAGE_LIMITS;
  const analyse = inlineAnalysisOn('auto');
  const features = new LocalFeaturePool();
  try {
    return await bareLoop(files, model, async (bytes, input, offset) => {
      sha256Hex(bytes);
      const info = await inspectImage(bytes, limits);
      const [artefacts] = await Promise.all([
        ingestArtefacts(
          bytes,
          limits,
          { width: info.width, height: info.height },
          { preview: false, phashGrid: info.phashGrid, analyse },
        ),
        inspectModelInput(bytes).then((header) =>
          model.preprocessor.preprocess(bytes, header, undefined, input, offset),
        ),
      ]);
      await features.extract(artefacts.luma, undefined, { giveAway: true });
    });
  } finally {
    await features.close();
  }
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_IMAGES_DIR;
  const imagesDir = keep ?? mkdtempSync(join(tmpdir(), 'ingest-bench-images-'));
  mkdirSync(imagesDir, { recursive: true });
  const files = await writeVariants(SOURCE, imagesDir, N + 1, 15);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  const loadBefore = load();
  const results: PathResult[] = [];
  let model = 'unknown';
  for (const mode of MODES) model = await runMode(mode, files, results);

  // The bare loop: decode + preprocess + model, batch by batch, nothing else running.
  const models = await loadEmbeddingModels({
    modelDir: process.env.MODEL_DIR,
    mobilenetRuntime: process.env.MOBILENET_RUNTIME === 'tfjs' ? 'tfjs' : 'onnx',
    nsfw: false,
    logger: { log: () => undefined, warn: () => undefined },
  });
  const bareModel = models.image;
  const bareFiles = files.slice(1);
  const bare = await bareLoop(bareFiles, bareModel, async (bytes, input, offset) =>
    bareModel.preprocessor.preprocess(bytes, await inspectModelInput(bytes), undefined, input, offset),
  );

  // The bare image work: everything ingest computes for an image, in process and batch by batch,
  // without the service around it (HTTP, object writes, SQL, the vector index, the quality loop's
  // dedup and anomaly, messaging). The service's ratio to it is what that machinery costs.
  const work = await bareImageWork(bareFiles, bareModel);
  await models.dispose();
  if (!keep) rmSync(imagesDir, { recursive: true, force: true });

  const bareRate = bareFiles.length / bare.seconds;
  const workRate = bareFiles.length / work.seconds;
  const lines = [
    `## Ingest throughput (${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `${N} distinct ~1024 px JPEGs per path (plus 1 warm-up), a new tenant per path, stack as child processes with every module (quality loop on), model ${model}, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, load average ${loadBefore} before, ${load()} after.`,
    '',
    '| mode | path | images | seconds | images/s | server CPU ms/image | client CPU ms/image | upload p50 / p95 ms | / bare | / bare image work | HTTP loop lag p99 max | machine: busy cores, kernel share, context switches/image | outcomes |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...results.map((r) => {
      const rate = r.images / r.seconds;
      const outcomes = Object.entries(r.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      return `| ${r.mode} | ${r.path} | ${r.images} | ${r.seconds.toFixed(1)} | **${rate.toFixed(2)}** | ${(r.serverCpuMs / r.images).toFixed(0)} | ${r.clientCpuMs === undefined ? 'n/a' : (r.clientCpuMs / r.images).toFixed(0)} | ${r.p50 === undefined ? '' : `${r.p50.toFixed(0)} / ${r.p95?.toFixed(0)}`} | ${(rate / bareRate).toFixed(2)}x | ${(rate / workRate).toFixed(2)}x | ${r.lagP99Ms.toFixed(1)} ms | ${machineCell(r.machine, r.images)} | ${outcomes}${r.busyWaits ? `; ${r.busyWaits} busy waits` : ''} |`;
    }),
    `| bare | decode + preprocess + model, batch ${BATCH}, in process | ${bareFiles.length} | ${bare.seconds.toFixed(1)} | ${bareRate.toFixed(2)} | ${(bare.cpuMs / bareFiles.length).toFixed(0)} | | | 1.00x | ${(bareRate / workRate).toFixed(2)}x | | ${machineCell(bare.machine, bareFiles.length)} | |`,
    `| bare | image work: inspect, SHA-256, pHash, quality, thumbnail, local features, model; batch ${BATCH}, in process | ${bareFiles.length} | ${work.seconds.toFixed(1)} | ${workRate.toFixed(2)} | ${(work.cpuMs / bareFiles.length).toFixed(0)} | | | ${(workRate / bareRate).toFixed(2)}x | 1.00x | | ${machineCell(work.machine, bareFiles.length)} | |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
