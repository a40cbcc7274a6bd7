/*
 * Cost of one single-row write through the LanceDB adapter at several table sizes: an upsert
 * (mergeInsert on id) of a new and of an existing point, a setPayload of one point, an insertNew
 * (plain append) of a new point, a count by id (what a caller would pay to check that an id is
 * new), round robin, and the compaction (`optimize()`, its own duration as the adapter reports it)
 * after every 40 of those writes.
 *
 *   npx tsc -b libs/contracts && npx tsc -p libs/vector-store/bench && \
 *     node libs/vector-store/dist/bench/bench/write-cost.bench.js [--sizes 1000,10000,100000] \
 *       [--reps 60] [--dim 512] [--variants none,scalar] [--json out.json]
 *
 * Variants: `none` = no index at all; `scalar` = the adapter's scalar indexes (btree on id, owner,
 * sha256, time and scores; label lists on tags, flags, pHash chunks); `ann` can be added to either
 * (`scalar+ann`: also the ANN index of the vector column, slow to build at 100k).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceDbVectorStore, pointIdFor, type UpsertPoint } from '../src';
import { benchPayload, benchSha, prng } from './synthetic-vectors';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SIZES = flag('sizes', '1000,10000,100000').split(',').map(Number);
const REPS = Number(flag('reps', '60'));
const DIM = Number(flag('dim', '512'));
const VARIANTS = flag('variants', 'none,scalar').split(',');
const JSON_OUT = flag('json', '');
const OWNER = 'bench';
const LOAD_BATCH = 5_000;
const NEVER = Number.MAX_SAFE_INTEGER;
const COMPACT_EVERY = 10;

interface Row {
  rows: number;
  variant: string;
  operation: string;
  p50: number;
  p95: number;
  /** Median CPU time of the process (all threads: LanceDB works on its own) per operation. */
  cpu50?: number;
}
const results: Row[] = [];

const sha = (i: number) => benchSha('write-cost', i);
const idOf = (i: number) => pointIdFor(OWNER, sha(i));

function point(i: number, rnd: () => number): UpsertPoint {
  return {
    payload: benchPayload(OWNER, 'write-cost', i, {
      phash: '0123456789abcdef',
      width: 640,
      height: 480,
      tags: ['cat', `t${i % 50}`],
      modelName: 'clip',
      anomalyScore: 0.2,
      sizeBytes: 1000,
    }),
    vectors: { clip_global: Array.from({ length: DIM }, () => rnd() * 2 - 1) },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function record(rows: number, variant: string, operation: string, latencies: number[], cpu?: number[]): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const row: Row = {
    rows,
    variant,
    operation,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    cpu50: cpu
      ? percentile(
          [...cpu].sort((a, b) => a - b),
          0.5,
        )
      : undefined,
  };
  results.push(row);
  console.log(
    `${String(rows).padStart(7)} ${variant.padEnd(10)} ${operation.padEnd(34)} p50 ${row.p50.toFixed(1)} ms  p95 ${row.p95.toFixed(1)} ms` +
      (row.cpu50 !== undefined ? `  cpu p50 ${row.cpu50.toFixed(1)} ms` : ''),
  );
}

async function run(rows: number, variant: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-write-cost-'));
  const store = new LanceDbVectorStore({
    dir,
    autoIndex: false,
    maintenance: false,
    index: {
      minRows: variant.includes('ann') ? 1 : NEVER,
      scalarIndexMinRows: variant.includes('scalar') ? 0 : NEVER,
    },
  });
  const rnd = prng(rows);
  try {
    await store.ensureCollection({
      models: [{ name: 'clip', version: '1', dimension: DIM, crops: false }],
    });
    let t = performance.now();
    for (let i = 0; i < rows; i += LOAD_BATCH) {
      const batch = Array.from({ length: Math.min(LOAD_BATCH, rows - i) }, (_, k) => point(i + k, rnd));
      await store.insertNew(OWNER, batch);
    }
    const loadMs = performance.now() - t;
    t = performance.now();
    await store.optimize();
    console.log(
      `${rows} rows (${variant}): load ${(loadMs / 1000).toFixed(1)} s, indexes + compaction ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    let next = rows;
    const step = Math.max(1, Math.floor(rows / REPS));
    const operations: [string, (i: number) => Promise<unknown>][] = [
      ['upsert, new id', () => store.upsert(OWNER, [point(next++, rnd)])],
      ['upsert, existing id', (i) => store.upsert(OWNER, [point(i * step, rnd)])],
      [
        'setPayload, one id',
        (i) => store.setPayload(OWNER, [idOf(i * step + 1)], { anomalyScore: i / REPS }),
      ],
      ['insertNew, new id', () => store.insertNew(OWNER, [point(next++, rnd)])],
      ['count by id (is it new?)', () => store.count(OWNER, { ids: [idOf(next + 1_000_000)] })],
    ];
    // Round robin, so that a burst of load on a shared machine hits every operation alike; the
    // table is compacted every COMPACT_EVERY rounds, as the maintenance policy would.
    const latencies = operations.map(() => [] as number[]);
    const cpu = operations.map(() => [] as number[]);
    const compactions: number[] = [];
    for (let i = 0; i < REPS; i++) {
      for (const [k, [, op]] of operations.entries()) {
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        await op(i);
        const used = process.cpuUsage(cpuBefore);
        latencies[k]!.push(performance.now() - started);
        cpu[k]!.push((used.user + used.system) / 1000);
      }
      if ((i + 1) % COMPACT_EVERY === 0) {
        await store.optimize();
        compactions.push((await store.describeCollection())!.engine.lastMaintenanceMs as number);
      }
    }
    for (const [k, [operation]] of operations.entries()) {
      record(rows, variant, operation, latencies[k]!, cpu[k]);
    }
    record(rows, variant, `compaction after ${COMPACT_EVERY * 4} writes`, compactions);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  for (const rows of SIZES) for (const variant of VARIANTS) await run(rows, variant);
  console.log('\n| rows | indexes | operation | p50 ms | p95 ms | CPU p50 ms |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.rows.toLocaleString('en')} | ${r.variant} | ${r.operation} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.cpu50?.toFixed(1) ?? ''} |`,
    );
  }
  if (JSON_OUT) await writeFile(JSON_OUT, JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
