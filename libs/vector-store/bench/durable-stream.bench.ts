/*
 * The embedded index's durable copy under a stream of uploads, in isolation: one new point per
 * upload (an upsert, as ingest makes it) and, every 10 uploads, one
 * setPayload of the anomaly scores of 8 earlier points (what the quality loop's coalesced flush
 * makes). It prints the process CPU per upload (every thread: LanceDB works on its own), per
 * window, as the table grows; a policy whose cost per upload climbs with the table shows here
 * without the rest of the stack.
 *
 *   npx tsc -b libs/contracts && npx tsc -p libs/vector-store/bench && \
 *     node libs/vector-store/dist/bench/bench/durable-stream.bench.js [--n 12000] [--window 1000] \
 *       [--variants hnsw,lancedb]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HnswVectorStore, LanceDbVectorStore, pointIdFor, type UpsertPoint, type VectorStore } from '../src';
import { benchPayload, benchSha } from './synthetic-vectors';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const N = Number(flag('n', '12000'));
const WINDOW = Number(flag('window', '1000'));
const DIM = 1280;
const OWNER = 'stream';
/**
 * `hnsw`: the embedded store (durable copy in LMDB). `lancedb`: a LanceDB table configured the way
 * the embedded store's durable copy was before (no ANN index, default compaction), the "before" row.
 */
const VARIANTS: Record<string, (dir: string) => VectorStore> = {
  hnsw: (dir) => new HnswVectorStore({ dir }),
  lancedb: (dir) => new LanceDbVectorStore({ dir, index: { minRows: Number.MAX_SAFE_INTEGER } }),
};

const sha = (i: number) => benchSha('durable-stream', i);

function point(i: number): UpsertPoint {
  const v = new Array<number>(DIM);
  for (let d = 0; d < DIM; d += 1) v[d] = Math.sin(i * 7.1 + d * 0.37);
  return { payload: benchPayload(OWNER, 'durable-stream', i), vectors: { mobilenet_global: v } };
}

async function run(name: string, make: (dir: string) => VectorStore): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-durable-stream-'));
  const store = make(dir);
  try {
    await store.ensureCollection({
      models: [{ name: 'mobilenet', version: '1', dimension: DIM, crops: false }],
    });
    let cpu = process.cpuUsage();
    let wall = performance.now();
    let upsertMs = 0;
    let patchMs = 0;
    for (let i = 0; i < N; i += 1) {
      let t = performance.now();
      await store.upsert(OWNER, [point(i)]);
      upsertMs += performance.now() - t;
      if (i % 10 === 9) {
        const ids = Array.from({ length: 8 }, (_, k) =>
          pointIdFor(OWNER, sha(Math.floor((i * (k + 1) * 0.618) % i))),
        );
        t = performance.now();
        await store.setPayload(OWNER, ids, { anomalyScore: (i % 100) / 100 });
        patchMs += performance.now() - t;
      }
      if ((i + 1) % WINDOW === 0) {
        const used = process.cpuUsage(cpu);
        const ms = (used.user + used.system) / 1000 / WINDOW;
        console.log(
          `${name.padEnd(16)} ${String(i + 1 - WINDOW + 1).padStart(6)}-${String(i + 1).padEnd(6)} CPU ${ms.toFixed(1)} ms/upload, wall ${((performance.now() - wall) / WINDOW).toFixed(1)} ms/upload (upsert ${(upsertMs / WINDOW).toFixed(1)}, setPayload ${(patchMs / WINDOW).toFixed(1)}); ${JSON.stringify(Object.fromEntries(Object.entries((await store.describeCollection())?.engine ?? {}).filter(([k]) => /compactions|fragments|durable\./i.test(k))))}`,
        );
        upsertMs = 0;
        patchMs = 0;
        cpu = process.cpuUsage();
        wall = performance.now();
      }
    }
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  for (const name of flag('variants', Object.keys(VARIANTS).join(',')).split(',')) {
    const make = VARIANTS[name];
    if (!make) throw new Error(`unknown variant ${name}`);
    await run(name, make);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
