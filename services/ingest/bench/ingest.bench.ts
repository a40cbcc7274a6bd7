/**
 * Ingest throughput end to end (HTTP upload through the gateway -> presign -> store -> validate ->
 * hashes, quality, thumbnails -> embedding service -> vector upsert) against the embedding service
 * alone on the same images, in one embedded stack and one run:
 *
 *   npx tsc -b services/embedded && node services/ingest/bench/run-dist.cjs services/ingest/bench/ingest.bench.ts
 *
 * BENCH_CONCURRENCY (4) uploads at once; BENCH_DIR (dev-nearcopies/images) the folder; BENCH_QUICK=1
 * takes the first 40 files. The model is whatever the embedding service loads (MODEL_DIR for CLIP,
 * else the offline MobileNetV2).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Subjects } from '@lookalike/contracts';
import { LocalBus, RpcClient } from '@lookalike/messaging';
import { startEmbeddedStack } from '@lookalike/service-embedded';

const DIR = process.env.BENCH_DIR ?? '/work/shared/datasets/dev-nearcopies/images';
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const QUICK = process.env.BENCH_QUICK === '1';

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        await work(item);
      }
    }),
  );
}

function multipart(bytes: Buffer, name: string): { body: Buffer; type: string } {
  const boundary = `----bench${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/** A free loopback port: signed object URLs must name the gateway's real port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lookalike-ingest-bench-'));
  const files = readdirSync(DIR)
    .filter((f) => /\.(jpe?g|png|webp|gif|tiff?)$/i.test(f))
    .sort()
    .slice(0, QUICK ? 40 : undefined);
  const stack = await startEmbeddedStack(
    {
      ...process.env,
      LOOKALIKE_DATA_DIR: dataDir,
      API_PORT: String(await freePort()),
      API_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CONSOLE_DIR: join(dataDir, 'none'),
      RECONCILE_INTERVAL_SECONDS: '0',
      RPC_TIMEOUT_MS: '120000',
    },
    // Only what an upload touches: the gateway, ingest and the embedding service.
    { services: ['embedding', 'ingest'] },
  );
  try {
    const login = await fetch(`${stack.url}/api/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'bench' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const model = (await (
      await fetch(`${stack.url}/api/models`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      name?: string;
    };

    // Warm-up: the first model call compiles kernels; not counted.
    const warm = multipart(readFileSync(join(DIR, files[0])), files[0]);
    await fetch(`${stack.url}/api/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': warm.type },
      body: warm.body,
    });

    const outcomes: Record<string, number> = {};
    const keys: string[] = [];
    const started = performance.now();
    await pool(files.slice(1), CONCURRENCY, async (file) => {
      const { body, type } = multipart(readFileSync(join(DIR, file)), file);
      const response = await fetch(`${stack.url}/api/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': type },
        body,
      });
      const answer = (await response.json()) as { status?: string; image_id?: string; code?: string };
      const outcome = response.ok ? String(answer.status) : `${response.status} ${answer.code}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (answer.image_id && answer.status === 'created') {
        const record = (await (
          await fetch(`${stack.url}/api/images/${answer.image_id}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as { payload: { key: string; bucket: string } };
        keys.push(record.payload.key);
      }
    });
    const endToEndS = (performance.now() - started) / 1000;
    const ingested = files.length - 1;

    // The embedding service alone, over the same transport, one image per request, same concurrency.
    const rpc = new RpcClient(LocalBus.forProcess(), { service: 'bench', timeoutOverrideMs: 120_000 });
    const embedStarted = performance.now();
    await pool(keys, CONCURRENCY, async (key) => {
      await rpc.send(Subjects.EmbeddingEmbedImages, { images: [{ bucket: 'local', key }], withCrops: false });
    });
    const embedS = (performance.now() - embedStarted) / 1000;

    const e2eRate = ingested / endToEndS;
    const embedRate = keys.length / embedS;
    const lines = [
      `## Ingest throughput (${new Date().toISOString().slice(0, 10)})`,
      '',
      `${ingested} images of ${DIR} (plus 1 warm-up), ${CONCURRENCY} at a time, embedded mode, model ${model.name ?? 'unknown'}, ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}.`,
      '',
      '| path | images | seconds | images/s |',
      '| --- | ---: | ---: | ---: |',
      `| end to end: HTTP upload -> indexed | ${ingested} | ${endToEndS.toFixed(1)} | ${e2eRate.toFixed(2)} |`,
      `| embedding service alone (same images, by key) | ${keys.length} | ${embedS.toFixed(1)} | ${embedRate.toFixed(2)} |`,
      '',
      `Outcomes: ${Object.entries(outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )}. Ingest overhead over embedding alone: ${(embedRate / e2eRate).toFixed(2)}x the time per image.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
