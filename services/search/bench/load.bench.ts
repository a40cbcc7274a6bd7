/**
 * Search under load through the whole stack (HTTP -> gateway -> transport -> search -> LanceDB) in
 * both run modes, beside direct index loops on the same index, in one run:
 *
 *   npx tsc -b services/search services/gateway services/embedding && node services/dedup/bench/run-ts.cjs services/search/bench/load.bench.ts
 *
 * BENCH_POINTS (100000) synthetic 512-d vectors in 2000 clusters, seeded straight into the store;
 * BENCH_SECONDS (8) per concurrency level; BENCH_CONCURRENCY (1,4,8,32) the levels of similar-by-id;
 * BENCH_TEXT_CONCURRENCY (1,8) the levels of the text rows; BENCH_QUICK=1 seeds 20000 points and
 * runs 4 s per level; BENCH_DATA_DIR reuses (and keeps) a data directory a previous run seeded
 * with the same BENCH_POINTS (the index build dominates the run time); BENCH_TEXT=0 skips text.
 * The distributed mode needs NATS and PostgreSQL (BENCH_DATABASE_URL, default the local server;
 * `make bench` starts both): it runs in a schema of its own, dropped at the end.
 *
 * Rows: "direct ANN" is one LanceDB query with the vector in hand ("whole payload": reading every
 * payload column, as search did before it asked for fields); "direct lookup + ANN" is what
 * the search service asks the index for a similar-by-id request (the query point's vector by
 * image id, then the ANN query, both reading the same columns the service reads), so stack/direct
 * is the price of HTTP, auth, transport and the service itself. Text search runs the embedding
 * service with a generated model of ViT-B/32's shape (depth 12; 2 with BENCH_QUICK; real CLIP weights cannot be downloaded here):
 * "repeated" cycles through 20 phrases (the query-embedding cache answers after the first), and
 * "distinct" sends a new phrase each time (every request runs the text tower).
 * Prints markdown tables (req/s, p50/p95/p99 in ms, stack/direct) and the mean time per stage read
 * from the stack's own /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { ImagePayload } from '@lookalike/contracts';
import { dropSchema } from '@lookalike/persistence';
import { LanceDbVectorStore } from '@lookalike/vector-store';
import { writeSyntheticClip } from '../../embedding/bench/synthetic-clip';

const QUICK = process.env.BENCH_QUICK === '1';
const POINTS = Number(process.env.BENCH_POINTS ?? (QUICK ? 20_000 : 100_000));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 4 : 8));
const LEVELS = (process.env.BENCH_CONCURRENCY ?? '1,4,8,32').split(',').map(Number);
const TEXT_LEVELS = (process.env.BENCH_TEXT_CONCURRENCY ?? '1,8').split(',').map(Number);
const TEXT = process.env.BENCH_TEXT !== '0';
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
  /** CPU of this process (every thread, LanceDB's included) per query: direct loops only. */
  cpuMs?: number;
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

/** The fields the search service reads for a hit of a plain similar-by-id request. */
const HIT_FIELDS = ['imageId', 'key'] as const;

async function timedLoop(
  concurrency: number,
  once: (i: number) => Promise<unknown>,
): Promise<Pick<Row, 'rps' | 'p50' | 'p95' | 'p99' | 'cpuMs'>> {
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
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    cpuMs: (used.user + used.system) / 1000 / Math.max(1, latencies.length),
  };
}

/**
 * The direct loops, `concurrency` queries in flight: the ANN query alone with the vector in hand,
 * and the two index calls of a similar-by-id request (lookup by image id, then the ANN query).
 */
async function direct(
  dir: string,
  ids: string[],
  vectors: Float32Array[],
  concurrency: number,
): Promise<Row[]> {
  const store = new LanceDbVectorStore({ dir, autoIndex: false });
  const ann = (vector: Float32Array) =>
    store.search(OWNER, { vectorName: 'clip_global', vector, limit: 11, withPayload: [...HIT_FIELDS] });
  await ann(vectors[0]!);
  const bare = await timedLoop(concurrency, (i) => ann(vectors[i % vectors.length]!));
  // The same query reading every payload column: what search did before it asked for fields.
  const whole = await timedLoop(concurrency, (i) =>
    store.search(OWNER, { vectorName: 'clip_global', vector: vectors[i % vectors.length]!, limit: 11 }),
  );
  const byId = await timedLoop(concurrency, async (i) => {
    const page = await store.scroll(OWNER, {
      filter: { imageIds: [ids[(i * 7919) % ids.length]!] },
      limit: 1,
      withVectors: ['clip_global'],
      withPayload: ['imageId', 'phash'],
    });
    await ann(page.points[0]!.vectors!.clip_global!);
  });
  await store.close();
  return [
    { mode: 'direct ANN', concurrency, errors: 0, ...bare },
    { mode: 'direct ANN, whole payload', concurrency, errors: 0, ...whole },
    { mode: 'direct lookup + ANN', concurrency, errors: 0, ...byId },
  ];
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
function stageMeans(before: Record<Stage, Totals>, after: Record<Stage, Totals>): string[] {
  return STAGES.map((k) => {
    const n = after[k].count - before[k].count;
    return n > 0 ? (((after[k].sum - before[k].sum) / n) * 1000).toFixed(2) : '';
  });
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

async function waitForText(url: string, token: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/search/similar`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text_query: 'warm-up', limit: 1 }),
    });
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
  await fetch(`${url}/api/search/similar`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body(0)),
    signal: AbortSignal.timeout(300_000),
  });
}

interface Scenario {
  name: string;
  kind: string;
  body: Body;
  levels: number[];
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_DATA_DIR;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'search-load-'));
  const rows: Row[] = [];
  const stageRows: string[] = [];
  try {
    const { ids, vectors } = await seedIndex(join(dataDir, 'lancedb'));
    for (const concurrency of LEVELS) {
      rows.push(...(await direct(join(dataDir, 'lancedb'), ids, vectors, concurrency)));
      console.error(JSON.stringify(rows.slice(-3)));
    }
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
      { name: 'similar-by-id', kind: 'image_id', body: BODIES.id(ids), levels: LEVELS },
      ...(TEXT
        ? [
            {
              name: 'text, repeated',
              kind: 'text_query',
              body: BODIES.textRepeated(ids),
              levels: TEXT_LEVELS,
            },
            {
              name: 'text, distinct',
              kind: 'text_query',
              body: BODIES.textDistinct(ids),
              levels: TEXT_LEVELS,
            },
          ]
        : []),
    ];
    for (const mode of ['embedded', 'distributed'] as const) {
      const port = 18_000 + (mode === 'embedded' ? 1 : 2);
      const url = `http://127.0.0.1:${port}`;
      const env = { ...base, API_PORT: String(port), PUBLIC_BASE_URL: url };
      // The distributed mode runs on PostgreSQL, in a schema of its own that is dropped afterwards.
      const nats = {
        ...env,
        TRANSPORT: 'nats',
        NATS_SUBJECT_PREFIX: `bench${process.pid}`,
        DATABASE_URL: `${DATABASE_URL}?schema=${SCHEMA}`,
      };
      const children =
        mode === 'embedded'
          ? [
              start(
                ['services/dedup/bench/run-ts.cjs', 'services/search/bench/embedded-search-host.ts'],
                env,
                'embedded',
              ),
            ]
          : [
              start(['services/search/dist/main.js'], { ...nats, HEALTH_PORT: String(port + 100) }, 'search'),
              start(['services/gateway/dist/main.js'], { ...nats, HEALTH_PORT: '0' }, 'gateway'),
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
      try {
        await waitFor(url, () => children.map((c) => c.log()).join('\n'));
        const login = await fetch(`${url}/api/auth/dev-login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user_id: OWNER }),
        });
        const { access_token: token } = (await login.json()) as { access_token: string };
        if (TEXT) await waitForText(url, token);
        const metricsUrls = mode === 'embedded' ? [url] : [url, `http://127.0.0.1:${port + 100}`];
        for (const scenario of scenarios) {
          // Warm-up: opens the table and loads the index (and the text model) in the search path.
          await loadStack(url, token, scenario.body, mode, 2).catch(() => undefined);
          const before = await stageTotals(metricsUrls, scenario.kind);
          for (const concurrency of scenario.levels) {
            rows.push(
              await loadStack(url, token, scenario.body, `${scenario.name}, stack (${mode})`, concurrency),
            );
            console.error(JSON.stringify(rows.at(-1)));
            await drain(url, token, scenario.body);
          }
          const after = await stageTotals(metricsUrls, scenario.kind);
          stageRows.push(`| ${scenario.name} | ${mode} | ${stageMeans(before, after).join(' | ')} |`);
        }
      } finally {
        await stop(children.map((c) => c.child));
      }
    }
  } finally {
    await dropSchema(DATABASE_URL, SCHEMA).catch((error: unknown) =>
      console.error(`could not drop ${SCHEMA}: ${String(error)}`),
    );
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const directByLevel = new Map(
    rows.filter((r) => r.mode === 'direct lookup + ANN').map((r) => [r.concurrency, r]),
  );
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  console.log(
    `Search load, ${POINTS} points of 512-d (LanceDB IVF-HNSW-SQ), ${SECONDS} s per level, ${cpus().length} cores (${cpu}), node ${process.version}\n`,
  );
  console.log(
    '| path | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors | req/s stack/direct | CPU ms/query |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const d = directByLevel.get(r.concurrency);
    const ratio = r.mode.startsWith('similar-by-id') && d ? (r.rps / d.rps).toFixed(2) : '';
    console.log(
      `| ${r.mode} | ${r.concurrency} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${ratio} | ${r.cpuMs?.toFixed(1) ?? ''} |`,
    );
  }
  console.log('\nMean time per request by stage (ms), over the levels of each scenario:\n');
  console.log(
    '| scenario | mode | HTTP in gateway | RPC send -> reply | search handler | resolve query | rank (index) | sign URLs |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const line of stageRows) console.log(line);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
