/**
 * Ingest throughput (issue 15): distinct ~1024 px JPEG photos (seeded crops, resizes and re-encodes
 * of dev-nearcopies, the soak's generator) uploaded one per request through `POST /api/images` into
 * the whole embedded stack, quality loop on (the dedup check at upload, anomaly scoring), against
 * the bare decode+model loop on the same files in the same run:
 *
 *   npx tsc -b tsconfig.build.json && node services/ingest/bench/run-dist.cjs services/ingest/bench/ingest.bench.ts
 *
 * BENCH_N uploads (400; 120 with BENCH_QUICK=1), BENCH_CONCURRENCY (8) in flight; a 503 busy answer
 * (the quality loop's backpressure) is waited out (Retry-After) and sent again, as the import CLI
 * does. BENCH_IMAGES_DIR keeps the generated files for the next run. "Bare decode+model" is what the
 * embedding service must do per image at least: decode, preprocess and run the same model (the
 * runtime the stack loads; MOBILENET_RUNTIME), 8 images per batch, serially, in this process after
 * the stack has stopped. The model is whatever the embedding service loads (MODEL_DIR for CLIP, else
 * the offline MobileNetV2).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { startEmbeddedStack } from '@lookalike/service-embedded';
import { inspectModelInput, loadEmbeddingModels } from '@lookalike/service-embedding';
import { writeVariants } from '../../embedded/bench/soak-images';

const QUICK = process.env.BENCH_QUICK === '1';
const N = Number(process.env.BENCH_N ?? (QUICK ? 120 : 400));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SOURCE =
  process.env.BENCH_SOURCE ?? resolve(__dirname, '../../../../shared/datasets/dev-nearcopies/images');
const BATCH = 8;
const BUSY_RETRIES = 60;

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

function multipart(bytes: Buffer, name: string): { body: Buffer; type: string } {
  const boundary = `----bench${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: image/jpeg\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/** A free loopback port: signed object URLs must name the gateway's real port. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

/** The largest value of a gauge series in a Prometheus text page (e.g. the gateway thread's lag). */
function gauge(page: string, name: string, labels: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : undefined;
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_IMAGES_DIR;
  const imagesDir = keep ?? mkdtempSync(join(tmpdir(), 'ingest-bench-images-'));
  mkdirSync(imagesDir, { recursive: true });
  const files = await writeVariants(SOURCE, imagesDir, N + 1, 15);
  const dataDir = mkdtempSync(join(tmpdir(), 'lookalike-ingest-bench-'));
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  const loadBefore = load();
  const stack = await startEmbeddedStack(
    {
      ...process.env,
      LOOKALIKE_DATA_DIR: dataDir,
      API_PORT: String(await freePort()),
      API_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CONSOLE_DIR: join(dataDir, 'none'),
      RECONCILE_INTERVAL_SECONDS: '0',
      // The benchmark measures throughput, not the per-client rate limit.
      RATE_LIMIT_PER_MINUTE: '100000000',
    },
    // Every service module: the quality loop (dedup check, anomaly scoring) runs as in production.
    {},
  );
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let busyWaits = 0;
  let lagP99Max = 0;
  let modelName = 'unknown';
  let e2eSeconds = 0;
  let e2eCpu = 0;
  try {
    const login = await fetch(`${stack.url}/api/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'bench' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const auth = { authorization: `Bearer ${token}` };
    modelName =
      ((await (await fetch(`${stack.url}/api/models`, { headers: auth })).json()) as { name?: string })
        .name ?? modelName;
    const upload = async (file: string): Promise<void> => {
      const started = performance.now();
      for (let attempt = 0; ; attempt += 1) {
        const { body, type } = multipart(readFileSync(file), basename(file));
        const response = await fetch(`${stack.url}/api/images`, {
          method: 'POST',
          headers: { ...auth, 'content-type': type },
          body,
        });
        const answer = (await response.json()) as { status?: string; code?: string };
        const retryAfter = Number(response.headers.get('retry-after'));
        if (response.status === 503 && retryAfter > 0 && attempt < BUSY_RETRIES) {
          busyWaits += 1;
          await new Promise((r) => setTimeout(r, retryAfter * 1000));
          continue;
        }
        const outcome = response.ok ? String(answer.status) : `${response.status} ${answer.code}`;
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        latencies.push(performance.now() - started);
        return;
      }
    };
    // Warm-up: the first model call and the first index writes; not counted.
    await upload(files[0]!);
    const sampler = setInterval(() => {
      void fetch(`${stack.url}/metrics`)
        .then((r) => r.text())
        .then((page) => {
          const lag = gauge(page, 'lookalike_nodejs_eventloop_lag_p99_seconds', 'thread="gateway"');
          if (lag !== undefined) lagP99Max = Math.max(lagP99Max, lag);
        })
        .catch(() => undefined);
    }, 2000);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const windowStart = process.hrtime.bigint();
    await pool(files.slice(1), CONCURRENCY, upload);
    e2eSeconds = (performance.now() - started) / 1000;
    e2eCpu = cpuSeconds(cpu);
    // For perf-stages.ts: the end-to-end window on CLOCK_MONOTONIC (`perf record -k CLOCK_MONOTONIC`).
    const seconds = (ns: bigint) => (Number(ns / 1000n) / 1e6).toFixed(6);
    process.stderr.write(
      `e2e window (CLOCK_MONOTONIC s): ${seconds(windowStart)} ${seconds(process.hrtime.bigint())} uploads ${N}\n`,
    );
    clearInterval(sampler);
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  // The bare loop: decode + preprocess + model, batch by batch, nothing else running.
  const models = await loadEmbeddingModels({
    modelDir: process.env.MODEL_DIR,
    mobilenetRuntime: process.env.MOBILENET_RUNTIME === 'tfjs' ? 'tfjs' : 'onnx',
    nsfw: false,
    logger: { log: () => undefined, warn: () => undefined },
  });
  const model = models.image;
  const per = model.preprocessor.tensorLength;
  const bareFiles = files.slice(1);
  const bareCpu = process.cpuUsage();
  const bareStarted = performance.now();
  for (let i = 0; i < bareFiles.length; i += BATCH) {
    const group = bareFiles.slice(i, i + BATCH);
    const input = new Float32Array(group.length * per);
    await Promise.all(
      group.map(async (file, j) => {
        const bytes = readFileSync(file);
        await model.preprocessor.preprocess(bytes, await inspectModelInput(bytes), undefined, input, j * per);
      }),
    );
    await model.run(input, group.length);
  }
  const bareSeconds = (performance.now() - bareStarted) / 1000;
  const bareCpuS = cpuSeconds(bareCpu);
  await models.dispose();
  if (!keep) rmSync(imagesDir, { recursive: true, force: true });

  const sorted = [...latencies].sort((a, b) => a - b);
  const e2eRate = N / e2eSeconds;
  const bareRate = bareFiles.length / bareSeconds;
  const lines = [
    `## Ingest throughput (${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `${N} distinct ~1024 px JPEGs (plus 1 warm-up), ${CONCURRENCY} uploads in flight, embedded stack with every module (quality loop on), model ${modelName}, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}, load average ${loadBefore} before, ${load()} after.`,
    '',
    '| path | images | seconds | images/s | CPU ms/image (this process) | upload p50 / p95 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| end to end: HTTP upload -> validated, hashed, thumbnails, embedded, indexed, dedup-checked | ${N} | ${e2eSeconds.toFixed(1)} | **${e2eRate.toFixed(2)}** | ${((e2eCpu * 1000) / N).toFixed(0)} | ${percentile(sorted, 50).toFixed(0)} / ${percentile(sorted, 95).toFixed(0)} |`,
    `| bare decode + preprocess + model, batch ${BATCH} | ${bareFiles.length} | ${bareSeconds.toFixed(1)} | ${bareRate.toFixed(2)} | ${((bareCpuS * 1000) / bareFiles.length).toFixed(0)} | |`,
    '',
    `End to end / bare: **${(e2eRate / bareRate).toFixed(2)}x**. Outcomes: ${Object.entries(outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}; 503 busy answers waited out: ${busyWaits}. Gateway thread event-loop lag p99 (largest sample of lookalike_nodejs_eventloop_lag_p99_seconds{thread="gateway"}): ${(lagP99Max * 1000).toFixed(1)} ms.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
