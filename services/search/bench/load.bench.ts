/**
 * Similar-by-id under load through the whole stack (HTTP -> gateway -> transport -> search ->
 * LanceDB) in both run modes, beside a direct index query loop on the same index, in one run:
 *
 *   npx tsc -b services/search services/gateway && node services/dedup/bench/run-ts.cjs services/search/bench/load.bench.ts
 *
 * BENCH_POINTS (100000) synthetic 512-d vectors in 2000 clusters, seeded straight into the store;
 * BENCH_SECONDS (8) per concurrency level; BENCH_CONCURRENCY (1,8,32) the levels; BENCH_QUICK=1
 * seeds 20000 points and runs 4 s per level; BENCH_DATA_DIR reuses (and keeps) a data directory a
 * previous run seeded with the same BENCH_POINTS (the index build dominates the run time). Prints a markdown table (req/s, p50/p95/p99 in ms,
 * stack/direct) and the mean time per stage read from the stack's own /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { ImagePayload } from '@lookalike/contracts';
import { LanceDbVectorStore } from '@lookalike/vector-store';

const QUICK = process.env.BENCH_QUICK === '1';
const POINTS = Number(process.env.BENCH_POINTS ?? (QUICK ? 20_000 : 100_000));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 4 : 8));
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map(Number);
const DIM = 512;
const OWNER = 'bench';
const ROOT = resolve(__dirname, '../../..');
const MODEL = { name: 'clip', version: 'bench', dimension: DIM, crops: false };

interface Row {
  mode: string;
  concurrency: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

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

async function reuseIndex(dir: string): Promise<{ ids: string[]; vectors: Float32Array[] } | null> {
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  try {
    if ((await store.describeCollection())?.pointsCount !== POINTS) return null;
    const page = await store.scroll(OWNER, { limit: 1000, withVectors: ['clip_global'] });
    const vectors = page.points.map((p) => p.vectors!.clip_global!);
    return { ids: Array.from({ length: POINTS }, (_, i) => ulidLike(i)), vectors };
  } finally {
    await store.close();
  }
}

async function seedIndex(dir: string): Promise<{ ids: string[]; vectors: Float32Array[] }> {
  const reused = await reuseIndex(dir);
  if (reused) {
    console.error(`reusing the ${POINTS} points in ${dir}`);
    return reused;
  }
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  await store.ensureCollection({ models: [MODEL] });
  const rnd = random(42);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: 2000 }, () => Float32Array.from({ length: DIM }, gauss));
  const ids: string[] = [];
  const sample: Float32Array[] = [];
  const batch = 5000;
  for (let start = 0; start < POINTS; start += batch) {
    const points = [];
    for (let i = start; i < Math.min(POINTS, start + batch); i += 1) {
      const centre = centres[i % centres.length]!;
      const vector = centre.map((x) => x + 0.6 * gauss());
      const imageId = ulidLike(i);
      ids.push(imageId);
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
        vectors: { clip_global: vector },
      });
    }
    await store.upsert(OWNER, points);
  }
  const started = Date.now();
  await store.optimize();
  console.error(`seeded ${POINTS} points, index built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await store.close();
  return { ids, vectors: sample };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** The direct loop: LanceDB search with the vector in hand, `concurrency` queries in flight. */
async function direct(dir: string, vectors: Float32Array[], concurrency: number): Promise<Row> {
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  await store.search(OWNER, { vectorName: 'clip_global', vector: vectors[0]!, limit: 10 });
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const vector = vectors[next++ % vectors.length]!;
        const t = process.hrtime.bigint();
        await store.search(OWNER, { vectorName: 'clip_global', vector, limit: 11 });
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  await store.close();
  latencies.sort((a, b) => a - b);
  return {
    mode: 'direct index',
    concurrency,
    rps: latencies.length / SECONDS,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: 0,
  };
}

async function loadStack(
  url: string,
  token: string,
  ids: string[],
  mode: string,
  concurrency: number,
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
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({ image_id: ids[(next++ * 7919) % ids.length], limit: 10 }),
            }),
          },
        ],
      },
      (error, res) => (error ? fail(error) : done(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  return {
    mode,
    concurrency,
    rps: latencies.length / SECONDS,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

/** Mean seconds per request of each stage, from the stack's Prometheus histograms. */
async function stages(urls: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const pick = (metric: string, label: string) => {
      const sum = new RegExp(`^${metric}_sum\\{[^}]*${label}[^}]*\\} ([0-9.e+-]+)`, 'm').exec(text);
      const count = new RegExp(`^${metric}_count\\{[^}]*${label}[^}]*\\} ([0-9.e+-]+)`, 'm').exec(text);
      return sum && count ? Number(sum[1]) / Number(count[1]) : undefined;
    };
    const http = pick('lookalike_http_request_duration_seconds', 'route="/api/search/similar"');
    const rpc = pick('lookalike_rpc_client_duration_seconds', 'subject="search.v1.similar"');
    const server = pick('lookalike_rpc_server_duration_seconds', 'subject="search.v1.similar"');
    if (http !== undefined) out.http = http;
    if (rpc !== undefined) out.rpc = rpc;
    if (server !== undefined) out.handler = server;
  }
  return out;
}

function start(
  command: string[],
  env: NodeJS.ProcessEnv,
  name: string,
): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, command, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  child.on('exit', (code) => code && console.error(`${name} exited with ${code}\n${out.slice(-2000)}`));
  return { child, log: () => out };
}

async function waitFor(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
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
          setTimeout(() => c.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_DATA_DIR;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'search-load-'));
  const rows: Row[] = [];
  const stageRows: string[] = [];
  try {
    const { ids, vectors } = await seedIndex(join(dataDir, 'lancedb'));
    for (const concurrency of LEVELS) {
      rows.push(await direct(join(dataDir, 'lancedb'), vectors, concurrency));
      console.error(JSON.stringify(rows.at(-1)));
    }
    const base = {
      ...process.env,
      LOG_LEVEL: 'warn',
      LOOKALIKE_DATA_DIR: dataDir,
      AUTH_DEV_LOGIN: 'true',
      API_HOST: '127.0.0.1',
      // The benchmark measures throughput, not the per-client rate limit.
      RATE_LIMIT_PER_MINUTE: '100000000',
    };
    for (const mode of ['embedded', 'distributed'] as const) {
      const port = 18_000 + (mode === 'embedded' ? 1 : 2);
      const url = `http://127.0.0.1:${port}`;
      const env = { ...base, API_PORT: String(port), PUBLIC_BASE_URL: url };
      const children =
        mode === 'embedded'
          ? [
              start(
                ['services/dedup/bench/run-ts.cjs', 'services/search/bench/embedded-search-host.ts'],
                env,
                'embedded',
              ),
            ]
          : (() => {
              const nats = {
                ...env,
                TRANSPORT: 'nats',
                NATS_SUBJECT_PREFIX: `bench${process.pid}`,
                HEALTH_PORT: '0',
              };
              return [
                start(
                  ['services/search/dist/main.js'],
                  { ...nats, HEALTH_PORT: String(port + 100) },
                  'search',
                ),
                start(['services/gateway/dist/main.js'], nats, 'gateway'),
              ];
            })();
      try {
        await waitFor(url, () => children.map((c) => c.log()).join('\n'));
        const login = await fetch(`${url}/api/auth/dev-login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: OWNER }),
        });
        const { access_token: token } = (await login.json()) as { access_token: string };
        // Warm-up: opens the table and loads the index in the search process.
        await loadStack(url, token, ids, mode, 2).catch(() => undefined);
        for (const concurrency of LEVELS)
          rows.push(await loadStack(url, token, ids, `stack (${mode})`, concurrency));
        const metricsUrls = mode === 'embedded' ? [url] : [url, `http://127.0.0.1:${port + 100}`];
        const s = await stages(metricsUrls);
        stageRows.push(
          `| ${mode} | ${((s.http ?? NaN) * 1000).toFixed(2)} | ${((s.rpc ?? NaN) * 1000).toFixed(2)} | ${((s.handler ?? NaN) * 1000).toFixed(2)} |`,
        );
      } finally {
        await stop(children.map((c) => c.child));
      }
    }
  } finally {
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const directByLevel = new Map(rows.filter((r) => r.mode === 'direct index').map((r) => [r.concurrency, r]));
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(
    `Similar-by-id, ${POINTS} points of 512-d (LanceDB IVF-HNSW-SQ), ${SECONDS} s per level, ${cpus().length} cores (${cpu}), node ${process.version}\n`,
  );
  console.log('| path | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors | req/s stack/direct |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const d = directByLevel.get(r.concurrency);
    const ratio = r.mode === 'direct index' || !d ? '' : (r.rps / d.rps).toFixed(2);
    console.log(
      `| ${r.mode} | ${r.concurrency} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${ratio} |`,
    );
  }
  console.log('\nMean time per request by stage (ms), over every level of the run:\n');
  console.log('| mode | HTTP in gateway | RPC send -> reply | search handler |');
  console.log('| --- | --- | --- | --- |');
  for (const line of stageRows) console.log(line);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
