/*
 * Recall and latency of the vector index adapters against exact brute force on the same vectors.
 *
 *   npx tsc -b libs/contracts && npx tsc -p libs/vector-store/bench && \
 *     node libs/vector-store/dist/bench/bench/recall.bench.js [--n 100000] [--queries 50] \
 *       [--datasets random,clustered] [--types ivf_flat,ivf_pq,ivf_hnsw_sq,ivf_rq] [--json out.json]
 *       [--filter-rows 3000,5000,10000,20000]   (ANN with a filter vs exact, per filter size)
 *
 * Qdrant rows are added when QDRANT_URL is set.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LanceDbVectorStore,
  pointIdFor,
  QdrantVectorStore,
  type LanceIndexPolicy,
  type LanceIndexType,
  type QuantizationKind,
  type UpsertPoint,
  type VectorFilter,
  type VectorStore,
} from '../src';
import { makeVectors } from './synthetic-vectors';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const N = Number(flag('n', '100000'));
const Q = Number(flag('queries', '50'));
const DIM = Number(flag('dim', '512'));
const K = 10;
const DATASETS = flag('datasets', 'random,clustered').split(',');
const TYPES = flag('types', 'ivf_flat,ivf_hnsw_sq').split(',') as LanceIndexType[];
const JSON_OUT = flag('json', '');
/** Filter sizes for the filtered sweep: a created_at range leaving that many rows, ANN vs exact. */
const FILTER_ROWS = flag('filter-rows', '')
  .split(',')
  .filter((x) => x !== '')
  .map(Number);
const CREATED_BASE_MS = Date.UTC(2025, 0, 1);
const OWNER = 'bench';

interface Row {
  dataset: string;
  engine: string;
  config: string;
  recall: number;
  p50: number;
  p95: number;
  buildSeconds?: number;
}
const rows: Row[] = [];

function exactTopK(data: Float32Array[], q: Float32Array): number[] {
  const scores = new Float32Array(data.length);
  for (let j = 0; j < data.length; j++) {
    const v = data[j]!;
    let d = 0;
    for (let i = 0; i < DIM; i++) d += q[i]! * v[i]!;
    scores[j] = d;
  }
  const idx = Array.from({ length: data.length }, (_, j) => j);
  return idx.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, K);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

function sha(i: number): string {
  return createHash('sha256').update(`bench:${i}`).digest('hex');
}

function points(data: Float32Array[]): UpsertPoint[] {
  return data.map((v, i) => ({
    payload: {
      imageId: `img-${i}`,
      ownerUserId: OWNER,
      bucket: 'bench',
      key: `bench/${i}`,
      sha256: sha(i),
      phash: '0000000000000000',
      width: 1,
      height: 1,
      format: 'jpeg',
      source: 'batch',
      tags: [],
      createdAt: new Date(CREATED_BASE_MS + i * 1000).toISOString(),
      modelName: 'bench',
      modelVersion: '1',
      qualityScore: 1,
      qualityFlags: [],
      nsfwScore: 0,
      anomalyScore: 0,
      sizeBytes: 1,
    },
    vectors: { clip_global: v },
  }));
}

async function measure(
  dataset: string,
  engine: string,
  config: string,
  store: VectorStore,
  queries: Float32Array[],
  truth: string[][],
  options: { exact?: boolean; ef?: number; filter?: VectorFilter } = {},
  buildSeconds?: number,
): Promise<void> {
  const latencies: number[] = [];
  let found = 0;
  for (let qi = 0; qi < queries.length; qi++) {
    const t0 = performance.now();
    const hits = await store.search(OWNER, {
      vectorName: 'clip_global',
      vector: queries[qi]!,
      limit: K,
      withPayload: false,
      ...options,
    });
    latencies.push(performance.now() - t0);
    const want = new Set(truth[qi]);
    found += hits.filter((h) => want.has(h.id)).length;
  }
  latencies.sort((a, b) => a - b);
  const row = {
    dataset,
    engine,
    config,
    recall: found / (queries.length * K),
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    buildSeconds,
  };
  rows.push(row);
  console.log(
    `${dataset.padEnd(9)} ${engine.padEnd(7)} ${config.padEnd(34)} recall@10 ${row.recall.toFixed(3)}  p50 ${row.p50.toFixed(1)} ms  p95 ${row.p95.toFixed(1)} ms` +
      (buildSeconds !== undefined ? `  build ${buildSeconds.toFixed(1)} s` : ''),
  );
}

const SPEC = { models: [{ name: 'clip', version: 'bench', dimension: DIM, crops: false }] };

/**
 * Filtered search: for each size R, a created_at range leaving R consecutive points (from the middle
 * of the collection), the exact top 10 inside it as truth, then the ANN index with the range as a
 * prefilter against LanceDB's exact scan with the same filter. This is what the adapter's
 * `exactBelowRows` trades (docs/vector-store.md, "Exact or ANN").
 */
async function filteredSweep(
  dataset: string,
  store: VectorStore,
  data: Float32Array[],
  ids: string[],
  queries: Float32Array[],
  type: string,
): Promise<void> {
  for (const rows of FILTER_ROWS) {
    const start = Math.max(0, Math.floor((data.length - rows) / 2));
    const end = Math.min(data.length, start + rows);
    const inside = data.slice(start, end);
    const truth = queries.map((q) => exactTopK(inside, q).map((j) => pointIdFor(OWNER, ids[start + j]!)));
    const filter: VectorFilter = {
      createdFrom: new Date(CREATED_BASE_MS + start * 1000).toISOString(),
      createdTo: new Date(CREATED_BASE_MS + end * 1000).toISOString(),
    };
    await measure(
      dataset,
      'lancedb',
      `filter ${end - start} rows: ${type} prefilter`,
      store,
      queries,
      truth,
      {
        filter,
      },
    );
    await measure(dataset, 'lancedb', `filter ${end - start} rows: exact`, store, queries, truth, {
      filter,
      exact: true,
    });
  }
}

async function lancedb(
  dataset: string,
  input: UpsertPoint[],
  queries: Float32Array[],
  truth: string[][],
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-bench-'));
  const policy = (over: Partial<LanceIndexPolicy>) => ({
    exactBelowRows: 0,
    minRows: 1,
    scalarIndexMinRows: Number.MAX_SAFE_INTEGER,
    ...over,
  });
  const store = new LanceDbVectorStore({ dir, autoIndex: false, index: policy({}) });
  try {
    await store.ensureCollection(SPEC);
    const t0 = performance.now();
    for (let i = 0; i < input.length; i += 10_000) await store.upsert(OWNER, input.slice(i, i + 10_000));
    console.log(
      `${dataset}: LanceDB ingest of ${input.length} points ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    await measure(
      dataset,
      'lancedb',
      'exact (flat scan)',
      store,
      queries.slice(0, Math.min(queries.length, 20)),
      truth,
    );
    for (const type of TYPES) {
      const b0 = performance.now();
      await store.rebuildIndex('clip_global', type);
      const build = (performance.now() - b0) / 1000;
      const sweeps: [string, Partial<LanceIndexPolicy>, { ef?: number }][] = type.startsWith('ivf_hnsw')
        ? [
            [`${type} ef=64`, {}, { ef: 64 }],
            [`${type} ef=256`, {}, { ef: 256 }],
            [`${type} ef=1024`, {}, { ef: 1024 }],
          ]
        : [
            [`${type} nprobes=10`, { nprobes: 10 }, {}],
            [`${type} nprobes=30`, { nprobes: 30 }, {}],
            [`${type} nprobes=100`, { nprobes: 100 }, {}],
          ];
      for (const [label, over, query] of sweeps) {
        const quantized = type === 'ivf_pq' || type === 'ivf_rq' || type === 'ivf_hnsw_sq';
        // The refine (rescore) factor follows the collection's quantization; one reader per setting.
        for (const refine of quantized ? [1, 2, 4] : [1]) {
          const reader = new LanceDbVectorStore({
            dir,
            autoIndex: false,
            index: policy({ ...over, refineFactor: refine }),
          });
          await measure(
            dataset,
            'lancedb',
            `${label}${quantized ? ` refine=${refine}` : ''}`,
            reader,
            queries,
            truth,
            query,
            label === sweeps[0]![0] && refine === 1 ? build : undefined,
          );
          await reader.close();
        }
      }
      if (FILTER_ROWS.length > 0 && type.startsWith('ivf_hnsw')) {
        // With the adapter's defaults (refine 2 on an unquantized collection, ef 256).
        const reader = new LanceDbVectorStore({ dir, autoIndex: false, index: policy({}) });
        const data = input.map((p) => Float32Array.from(p.vectors.clip_global!));
        const ids = input.map((p) => p.payload.sha256);
        await filteredSweep(dataset, reader, data, ids, queries, type);
        await reader.close();
      }
    }
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function qdrant(
  url: string,
  dataset: string,
  input: UpsertPoint[],
  queries: Float32Array[],
  truth: string[][],
): Promise<void> {
  const kinds: QuantizationKind[] = ['none', 'scalar', 'product', 'binary'];
  for (const kind of kinds) {
    const collection = `bench_${dataset}_${kind}_${Date.now()}`;
    const store = new QdrantVectorStore({
      url,
      apiKey: process.env.QDRANT_API_KEY,
      collection,
      timeoutMs: 120_000,
      quantization: { kind, rescore: true, oversampling: 2 },
    });
    try {
      await store.ensureCollection(SPEC);
      for (let i = 0; i < input.length; i += 1000) await store.upsert(OWNER, input.slice(i, i + 1000));
      const deadline = Date.now() + 600_000;
      while (Date.now() < deadline) {
        const d = await store.describeCollection();
        if (d?.engine.status === 'green' && Number(d.engine.indexedVectors) >= input.length * 0.95) break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      if (kind === 'none') await measure(dataset, 'qdrant', 'exact', store, queries, truth, { exact: true });
      for (const ef of [64, 256])
        await measure(dataset, 'qdrant', `hnsw m=16 ef=${ef} quantization=${kind}`, store, queries, truth, {
          ef,
        });
    } finally {
      await fetch(`${url.replace(/\/$/, '')}/collections/${collection}`, { method: 'DELETE' }).catch(
        () => undefined,
      );
    }
  }
}

async function main(): Promise<void> {
  console.log(
    `recall bench: N=${N} queries=${Q} dim=${DIM} datasets=${DATASETS.join(',')} lancedb types=${TYPES.join(',')}`,
  );
  for (const dataset of DATASETS) {
    const data = makeVectors(dataset, N, 42, DIM);
    const queries = makeVectors(dataset, Q, 4242, DIM);
    const input = points(data);
    const ids = input.map((p) => p.payload.sha256);
    const t0 = performance.now();
    const truth = queries.map((q) => exactTopK(data, q).map((j) => pointIdFor(OWNER, ids[j]!)));
    const bruteMs = (performance.now() - t0) / queries.length;
    rows.push({
      dataset,
      engine: 'node',
      config: 'brute force (reference)',
      recall: 1,
      p50: bruteMs,
      p95: bruteMs,
    });
    console.log(
      `${dataset}: in-process brute force ${bruteMs.toFixed(1)} ms per query (the reference top-10)`,
    );
    await lancedb(dataset, input, queries, truth);
    if (process.env.QDRANT_URL) await qdrant(process.env.QDRANT_URL, dataset, input, queries, truth);
    else console.log(`${dataset}: Qdrant rows skipped (QDRANT_URL is not set)`);
  }
  console.log('\n| dataset | engine | configuration | recall@10 | p50 ms | p95 ms | index build s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.dataset} | ${r.engine} | ${r.config} | ${r.recall.toFixed(3)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.buildSeconds?.toFixed(1) ?? ''} |`,
    );
  }
  if (JSON_OUT) await writeFile(JSON_OUT, JSON.stringify({ n: N, queries: Q, dim: DIM, rows }, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
