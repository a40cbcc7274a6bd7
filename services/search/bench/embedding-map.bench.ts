/**
 * The embedding map's projection (issue 17): synthetic 512-d unit vectors in clusters (the shape of
 * an image collection's embeddings), projected the way the `embedding-map` job does (64-d seeded
 * random projection, then umap-js), in the worker thread the service uses, at each size given:
 *
 *   npx tsc -b services/search && node services/dedup/bench/run-ts.cjs services/search/bench/embedding-map.bench.ts 10000 50000
 *
 * Reported per size: wall time in the worker, the main thread's event-loop lag meanwhile (the
 * reason for the worker: a service on that thread keeps answering), and how well the map keeps
 * the clusters apart: for sampled points, the share of their 10 nearest neighbours on the map that
 * come from their own cluster (beside the same share in 512-d, its ceiling). For the smallest size the same projection also runs on
 * the main thread (the bare library), for the worker/bare ratio.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { availableParallelism, cpus } from 'node:os';
import { projectInWorker } from '../src/map/umap-worker';
import { projectUmap, seededRandom, type ProjectionInput } from '../src/map/umap-projection';

const D = 512;
const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);

function clusteredVectors(
  n: number,
  clusters: number,
  seed: number,
): { data: Float32Array; label: Int32Array } {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: D }, gauss));
  const data = new Float32Array(n * D);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    label[i] = Math.floor(random() * clusters);
    const c = centres[label[i]!]!;
    let norm = 0;
    for (let j = 0; j < D; j += 1) {
      const v = c[j]! + gauss() * 0.6;
      data[i * D + j] = v;
      norm += v * v;
    }
    const s = 1 / Math.sqrt(norm);
    for (let j = 0; j < D; j += 1) data[i * D + j]! *= s;
  }
  return { data, label };
}

/**
 * Share of sampled points' 10 nearest neighbours on the map that come from their own cluster (the
 * structure a reviewer reads off the map), and the same in the original space (its ceiling).
 */
function clusterPurity(
  data: Float32Array,
  label: Int32Array,
  xy: Float32Array,
  n: number,
  samples: number,
): { map: number; original: number } {
  const random = seededRandom(99);
  let onMap = 0;
  let inSpace = 0;
  for (let s = 0; s < samples; s += 1) {
    const q = Math.floor(random() * n);
    const high: [number, number][] = [];
    const low: [number, number][] = [];
    for (let i = 0; i < n; i += 1) {
      if (i === q) continue;
      let dot = 0;
      for (let j = 0; j < D; j += 1) dot += data[q * D + j]! * data[i * D + j]!;
      high.push([-dot, i]);
      low.push([Math.hypot(xy[q * 2]! - xy[i * 2]!, xy[q * 2 + 1]! - xy[i * 2 + 1]!), i]);
    }
    const same = (list: [number, number][]) =>
      list
        .sort((a, b) => a[0] - b[0])
        .slice(0, 10)
        .filter((e) => label[e[1]] === label[q]).length;
    inSpace += same(high);
    onMap += same(low);
  }
  return { map: onMap / (samples * 10), original: inSpace / (samples * 10) };
}

async function main(): Promise<void> {
  const sizes = SIZES.length > 0 ? SIZES : [10_000, 50_000];
  const rows: string[] = [];
  let bareMs: number | undefined;
  let bareN = 0;
  for (const n of sizes) {
    const { data, label } = clusteredVectors(n, Math.max(20, Math.round(n / 250)), n);
    const input = (): ProjectionInput => ({
      data: data.slice(),
      n,
      d: D,
      seed: 7,
      reducedDims: 64,
      nNeighbors: 15,
      minDist: 0.1,
    });
    if (bareMs === undefined) {
      const t = performance.now();
      projectUmap(input());
      bareMs = performance.now() - t;
      bareN = n;
    }
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const started = performance.now();
    const xy = await projectInWorker(input(), () => undefined);
    const ms = performance.now() - started;
    lag.disable();
    const purity = clusterPurity(data, label, xy, n, n > 20_000 ? 200 : 500);
    rows.push(
      `| ${n.toLocaleString('en')} | ${(ms / 1000).toFixed(1)} s | ${Math.round(n / (ms / 1000)).toLocaleString('en')} | ${(lag.percentile(99) / 1e6).toFixed(0)} ms | ${(100 * purity.map).toFixed(1)}% (${(100 * purity.original).toFixed(1)}% in ${D}-d) |${n === bareN ? ` ${(bareMs / 1000).toFixed(1)} s (worker/bare ${(ms / bareMs).toFixed(2)}x)` : ' -'} |`,
    );
  }
  const lines = [
    `## Embedding map projection (${new Date().toISOString().slice(0, 16)}Z)`,
    '',
    `Synthetic ${D}-d unit vectors in clusters (one per 250 points, at least 20), ${cpus()[0]?.model ?? 'cpu'} x${availableParallelism()}; 64-d seeded random projection, then umap-js (15 neighbours, min_dist 0.1) in a worker thread, as the embedding-map job runs it.`,
    '',
    '| points | wall (worker) | points/s | main-thread loop lag p99 meanwhile | 10-NN on the map from the same cluster | bare library on the main thread |',
    '| ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
