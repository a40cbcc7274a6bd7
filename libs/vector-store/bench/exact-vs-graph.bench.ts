/*
 * Where the embedded store's graph starts to pay (docs/vector-store.md, "Exact below 200 points"):
 * for each dimension and tenant size, the same points in two HNSW stores, one that always scans
 * (thresholds past the size) and one that always walks its graph (thresholds below it), and per
 * query the CPU of `neighbours` (one id) and of `search`, plus the graph's recall@10 against the
 * scan. Points are seeded random unit vectors (`makeVectors('random')`, a graph's hardest case), upserted one at a time as
 * ingest does, which also gives the cost of an upsert with and without graph inserts.
 *
 *   npx tsc -b libs/contracts && npx tsc -p libs/vector-store/bench && \
 *     node libs/vector-store/dist/bench/bench/exact-vs-graph.bench.js [--dims 512,1280] \
 *       [--sizes 250,500,1000] [--queries 200]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HnswVectorStore, type UpsertPoint } from '../src';
import { benchPayload, makeVectors } from './synthetic-vectors';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const list = (name: string, fallback: string) => flag(name, fallback).split(',').map(Number);
const DIMS = list('dims', '512,1280');
const SIZES = list('sizes', '250,500,1000');
const QUERIES = Number(flag('queries', '200'));
const OWNER = 'bench';
const VECTOR = 'm_global';

function point(i: number, vector: Float32Array): UpsertPoint {
  return {
    payload: benchPayload(OWNER, 'exact-vs-graph', i, { modelName: 'm' }),
    vectors: { [VECTOR]: [...vector] },
  };
}

const cpuMs = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
};

interface Measured {
  upsertMs: number;
  neighboursMs: number;
  searchMs: number;
  lists: string[][];
}

async function measure(dim: number, size: number, graph: boolean): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-exact-vs-graph-'));
  const threshold = graph ? 1 : size + 1;
  const store = new HnswVectorStore({
    dir,
    index: { graphFromRows: threshold, exactBelowRows: threshold - 1 },
  });
  try {
    await store.ensureCollection({ models: [{ name: 'm', version: '1', dimension: dim, crops: false }] });
    const points = makeVectors('random', size, 7, dim).map((v, i) => point(i, v));
    let from = process.cpuUsage();
    for (const p of points) await store.upsert(OWNER, [p]);
    await store.whenIndexed();
    const upsertMs = cpuMs(from) / size;
    const ids = (await store.scroll(OWNER, { limit: size })).points.map((p) => p.id);
    const lists: string[][] = [];
    from = process.cpuUsage();
    for (let q = 0; q < QUERIES; q += 1) {
      const [found] = await store.neighbours(OWNER, { vectorName: VECTOR, k: 10, ids: [ids[q % size]!] });
      lists.push(found!.neighbours.map((n) => n.id));
    }
    const neighboursMs = cpuMs(from) / QUERIES;
    const queries = makeVectors('random', QUERIES, 99, dim).map((v) => [...v]);
    from = process.cpuUsage();
    for (const vector of queries) await store.search(OWNER, { vectorName: VECTOR, vector, limit: 10 });
    return { upsertMs, neighboursMs, searchMs: cpuMs(from) / QUERIES, lists };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const dim of DIMS) {
    for (const size of SIZES) {
      const exact = await measure(dim, size, false);
      const graph = await measure(dim, size, true);
      let same = 0;
      let total = 0;
      exact.lists.forEach((want, q) => {
        const got = new Set(graph.lists[q]);
        total += want.length;
        same += want.filter((id) => got.has(id)).length;
      });
      const f = (n: number) => n.toFixed(2);
      rows.push(
        `| ${dim} | ${size} | ${f(exact.neighboursMs)} / ${f(exact.searchMs)} | ${f(graph.neighboursMs)} / ${f(graph.searchMs)} | ${(same / total).toFixed(3)} | ${f(exact.upsertMs)} / ${f(graph.upsertMs)} |`,
      );
    }
  }
  console.log(
    [
      `## Exact scan or graph (${new Date().toISOString().slice(0, 16)}Z, ${QUERIES} queries each, CPU of this process)`,
      '',
      '| dimension | points | exact ms/query (neighbours / search) | graph ms/query (neighbours / search) | graph recall@10 | upsert ms/point (exact / graph) |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
