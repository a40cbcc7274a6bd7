/**
 * The embedded index's library choice, measured in one run on the same data: hnswlib-node and
 * usearch (HNSW, M 16, ef_construction 200, cosine) on seeded clustered 512-d vectors, then the
 * chosen one behind the adapter (HnswVectorStore: owner check, exact re-scoring, payload) and
 * its start time from the durable copy and a snapshot.
 *
 *   npx tsc -p libs/vector-store/bench && node libs/vector-store/dist/bench/bench/hnsw-libs.bench.js \
 *     [--n 100000] [--queries 200] [--store 1]
 *
 * BENCH_QUICK=1 (`make bench`): 10,000 vectors and 100 queries. Rows: build seconds (hnswlib adds
 * one point at a time on the event loop, as uploads arrive; usearch adds a batch on 2 threads),
 * recall@10 against brute force, p50/p95 ms per query at ef 64/128/256, a filter that keeps half
 * the points (hnswlib: the filter callback inside the walk; usearch 2.25 has no filtered search
 * in its JS binding, so: 4x the hits, then the filter), and snapshot write/read seconds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { HnswVectorStore, type UpsertPoint } from '../src';
import { makeVectors } from './synthetic-vectors';

const QUICK = process.env.BENCH_QUICK === '1';
const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const N = Number(flag('n', QUICK ? '10000' : '100000'));
const Q = Number(flag('queries', QUICK ? '100' : '200'));
const STORE = flag('store', '1') === '1';
const DIM = 512;
const K = 10;
const M = 16;
const EF_CONSTRUCTION = 200;
const EFS = [64, 128, 256];

interface Row {
  library: string;
  config: string;
  recall: number;
  p50: number;
  p95: number;
  note?: string;
}
const rows: Row[] = [];

function exactTopK(data: Float32Array[], q: Float32Array, accept: (i: number) => boolean = () => true) {
  const scored: [number, number][] = [];
  for (let j = 0; j < data.length; j++) {
    if (!accept(j)) continue;
    const v = data[j]!;
    let d = 0;
    for (let i = 0; i < DIM; i++) d += q[i]! * v[i]!;
    scored.push([d, j]);
  }
  return scored
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, K)
    .map((x) => x[1]);
}

function measure(
  library: string,
  config: string,
  queries: Float32Array[],
  truth: number[][],
  run: (q: Float32Array) => number[],
  note?: string,
): void {
  const times: number[] = [];
  let found = 0;
  queries.forEach((q, i) => {
    const started = process.hrtime.bigint();
    const got = run(q);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    const want = new Set(truth[i]);
    found += got.slice(0, K).filter((x) => want.has(x)).length;
  });
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!;
  rows.push({ library, config, recall: found / (queries.length * K), p50: at(0.5), p95: at(0.95), note });
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
const even = (i: number) => i % 2 === 0;

async function main(): Promise<void> {
  const data = makeVectors('clustered', N, 42, DIM);
  const queries = makeVectors('clustered', Q, 4242, DIM);
  const truth = queries.map((q) => exactTopK(data, q));
  const truthEven = queries.map((q) => exactTopK(data, q, even));
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-hnsw-libs-'));
  const builds: string[] = [];
  try {
    // hnswlib-node
    let started = process.hrtime.bigint();
    const h = new HierarchicalNSW('cosine', DIM);
    h.initIndex({ maxElements: N, m: M, efConstruction: EF_CONSTRUCTION, randomSeed: 100 });
    data.forEach((v, i) => h.addPoint(Array.from(v), i));
    builds.push(`hnswlib-node: build ${seconds(started).toFixed(1)} s (1 thread, one point a call)`);
    for (const ef of EFS) {
      h.setEf(ef);
      measure('hnswlib-node', `ef ${ef}`, queries, truth, (q) => h.searchKnn(Array.from(q), K).neighbors);
    }
    h.setEf(128);
    measure(
      'hnswlib-node',
      'ef 128, half the points pass a filter',
      queries,
      truthEven,
      (q) => h.searchKnn(Array.from(q), K, even).neighbors,
      'filter callback in the walk',
    );
    started = process.hrtime.bigint();
    h.writeIndexSync(join(dir, 'hnswlib.bin'));
    const writeS = seconds(started);
    started = process.hrtime.bigint();
    new HierarchicalNSW('cosine', DIM).readIndexSync(join(dir, 'hnswlib.bin'));
    builds.push(`hnswlib-node: snapshot write ${writeS.toFixed(2)} s, read ${seconds(started).toFixed(2)} s`);

    // usearch
    started = process.hrtime.bigint();
    const u = new Index({
      dimensions: DIM,
      metric: MetricKind.Cos,
      connectivity: M,
      expansion_add: EF_CONSTRUCTION,
      expansion_search: 64,
      quantization: ScalarKind.F32,
      multi: false,
    });
    const keys = BigUint64Array.from(data.map((_, i) => BigInt(i)));
    const matrix = new Float32Array(N * DIM);
    data.forEach((v, i) => matrix.set(v, i * DIM));
    u.add(keys, matrix, 2);
    builds.push(`usearch: build ${seconds(started).toFixed(1)} s (2 threads, one batch)`);
    started = process.hrtime.bigint();
    u.save(join(dir, 'usearch.bin'));
    const uWriteS = seconds(started);
    for (const ef of EFS) {
      // expansion_search is fixed at construction in the 2.25 binding: load the saved graph per ef.
      started = process.hrtime.bigint();
      const at = new Index({
        dimensions: DIM,
        metric: MetricKind.Cos,
        connectivity: M,
        expansion_add: EF_CONSTRUCTION,
        expansion_search: ef,
        quantization: ScalarKind.F32,
        multi: false,
      });
      at.load(join(dir, 'usearch.bin'));
      if (ef === EFS[0])
        builds.push(`usearch: snapshot write ${uWriteS.toFixed(2)} s, read ${seconds(started).toFixed(2)} s`);
      measure('usearch', `ef ${ef}`, queries, truth, (q) => Array.from(at.search(q, K, 1).keys, Number));
      if (ef === 128) {
        measure(
          'usearch',
          'ef 128, half the points pass a filter',
          queries,
          truthEven,
          (q) =>
            Array.from(at.search(q, 4 * K, 1).keys, Number)
              .filter(even)
              .slice(0, K),
          'no filtered search in the binding: 4x hits, then filter',
        );
      }
    }

    if (STORE) await storeRows(data, queries, truth, dir, builds);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  console.log(`## Embedded HNSW libraries: ${N} clustered ${DIM}-d vectors, ${Q} queries, top ${K}\n`);
  for (const line of builds) console.log(`- ${line}`);
  console.log('\n| library | configuration | recall@10 | p50 ms | p95 ms | note |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.library} | ${r.config} | ${r.recall.toFixed(3)} | ${r.p50.toFixed(3)} | ${r.p95.toFixed(3)} | ${r.note ?? ''} |`,
    );
  }
}

/** The adapter on the chosen library: seeded through the port, queried, closed, started again. */
async function storeRows(
  data: Float32Array[],
  queries: Float32Array[],
  truth: number[][],
  dir: string,
  builds: string[],
): Promise<void> {
  const owner = 'bench';
  const folder = join(dir, 'store');
  const spec = { models: [{ name: 'clip', version: 'bench', dimension: DIM, crops: false }] };
  const point = (v: Float32Array, i: number): UpsertPoint => ({
    payload: {
      imageId: `img-${i}`,
      ownerUserId: owner,
      bucket: 'bench',
      key: `bench/${i}`,
      sha256: i.toString(16).padStart(64, '0'),
      phash: '0000000000000000',
      width: 1,
      height: 1,
      format: 'jpeg',
      source: 'batch',
      tags: i % 2 === 0 ? ['even'] : [],
      createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      modelName: 'bench',
      modelVersion: '1',
      qualityScore: 1,
      qualityFlags: [],
      nsfwScore: 0,
      anomalyScore: 0,
      sizeBytes: 1,
    },
    vectors: { clip_global: v },
  });
  let started = process.hrtime.bigint();
  let store = new HnswVectorStore({ dir: folder });
  await store.ensureCollection(spec);
  for (let i = 0; i < data.length; i += 2000) {
    await store.upsert(
      owner,
      data.slice(i, i + 2000).map((v, j) => point(v, i + j)),
    );
  }
  await store.whenIndexed();
  builds.push(
    `HnswVectorStore: seeded through the port in batches of 2000 in ${seconds(started).toFixed(1)} s`,
  );
  const ids = async (q: Float32Array, filter?: { tagsAny: string[] }) =>
    (
      await store.search(owner, {
        vectorName: 'clip_global',
        vector: q,
        limit: K,
        filter,
        withPayload: ['imageId', 'key'],
      })
    ).map((h) => Number(h.payload!.imageId.slice(4)));
  // The port is async: measure it the same way, one query at a time.
  const results: number[][] = [];
  const times: number[] = [];
  for (const q of queries) {
    const t = process.hrtime.bigint();
    results.push(await ids(q));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  pushAsync(
    'HnswVectorStore (hnswlib)',
    'ef 128, exact re-scoring, payload imageId+key',
    results,
    times,
    truth,
  );
  await store.close();
  started = process.hrtime.bigint();
  store = new HnswVectorStore({ dir: folder });
  await store.ensureCollection(spec);
  const loaded = seconds(started);
  await store.whenIndexed();
  const engine = (await store.describeCollection())!.engine;
  builds.push(
    `HnswVectorStore: start from the durable copy (LMDB) + snapshot ${loaded.toFixed(1)} s, indexed after ${seconds(started).toFixed(1)} s (graphs from snapshots: ${String(engine.fromSnapshots)})`,
  );
  await store.close();
}

function pushAsync(library: string, config: string, results: number[][], times: number[], truth: number[][]) {
  let found = 0;
  results.forEach((got, i) => {
    const want = new Set(truth[i]);
    found += got.filter((x) => want.has(x)).length;
  });
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!;
  rows.push({ library, config, recall: found / (results.length * K), p50: at(0.5), p95: at(0.95) });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
