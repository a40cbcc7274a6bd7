/*
 * What the LanceDB adapter's background maintenance pays to look at the indexes (maintainIndexes:
 * the index list, the row count and, while a vector column has no index, the count of rows holding
 * that vector), at several table sizes, with and without that filtered count. The figures behind
 * `checkIntervalMs` and the `minRows` guard (docs/vector-store.md, "Looking at the indexes").
 *
 *   npx tsc -b libs/contracts && npx tsc -p libs/vector-store/bench && \
 *     node libs/vector-store/dist/bench/bench/index-look.bench.js [--sizes 500,2000,5000,10000] \
 *       [--dim 1280] [--reps 10]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Table } from '@lancedb/lancedb';
import { Field, Schema, Utf8 } from 'apache-arrow';
import { vectorField } from '../src/lancedb/lancedb-schema';
import { makeVectors } from './synthetic-vectors';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SIZES = flag('sizes', '500,2000,5000,10000').split(',').map(Number);
const DIM = Number(flag('dim', '1280'));
const REPS = Number(flag('reps', '10'));
const BATCH = 500;

/** CPU ms of this process per call of `look`, after three untimed calls. */
async function cpuPerLook(look: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await look();
  const before = process.cpuUsage();
  for (let i = 0; i < REPS; i++) await look();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / REPS;
}

function rows(from: number, count: number): Record<string, unknown>[] {
  return makeVectors('random', count, from + 1, DIM).map((v, i) => ({
    id: String(from + i),
    vector: Array.from(v),
  }));
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-index-look-'));
  try {
    const db = await connect(dir);
    // The column as the adapter writes it: a fixed-size list of float32.
    const schema = new Schema([
      new Field('id', new Utf8(), false),
      vectorField({ name: 'vector', model: 'bench', kind: 'global', dimension: DIM, distance: 'Cosine' }),
    ]);
    const table: Table = await db.createEmptyTable('images', schema);
    let count = 0;
    const lines = [
      `| rows | look with the filtered count, CPU ms | without it, CPU ms |`,
      '| ---: | ---: | ---: |',
    ];
    for (const size of SIZES) {
      while (count < size) {
        const n = Math.min(BATCH, size - count);
        await table.add(rows(count, n));
        count += n;
      }
      await table.optimize();
      const full = await cpuPerLook(async () => {
        await table.listIndices();
        await table.countRows();
        await table.countRows('vector IS NOT NULL');
      });
      const guarded = await cpuPerLook(async () => {
        await table.listIndices();
        await table.countRows();
      });
      lines.push(`| ${count} | ${full.toFixed(1)} | ${guarded.toFixed(1)} |`);
    }
    process.stdout.write(
      `## LanceDB: looking at the indexes (${DIM}-d, ${REPS} looks per size)\n\n${lines.join('\n')}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
