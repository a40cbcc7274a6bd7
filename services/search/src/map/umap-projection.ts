import { UMAP } from 'umap-js';

export interface ProjectionInput {
  /** n rows of d values, row-major. */
  data: Float32Array;
  n: number;
  d: number;
  seed: number;
  /** Dimensions the vectors are brought down to (a seeded Gaussian random projection) before UMAP. */
  reducedDims: number;
  nNeighbors: number;
  minDist: number;
}

/** A seeded uniform generator in [0, 1) (mulberry32): the same input gives the same map. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Rows projected onto `k` seeded Gaussian directions (Johnson-Lindenstrauss): pairwise distances of
 * 512-d embeddings survive well at 64-d, and UMAP's neighbour search gets 8x cheaper.
 */
export function randomProjection(
  data: Float32Array,
  n: number,
  d: number,
  k: number,
  seed: number,
): number[][] {
  if (k >= d) return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
  const random = seededRandom(seed);
  const gauss = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const matrix = Float32Array.from({ length: d * k }, gauss);
  const out: number[][] = new Array(n);
  for (let i = 0; i < n; i += 1) {
    const row = new Array<number>(k).fill(0);
    const base = i * d;
    for (let j = 0; j < d; j += 1) {
      const v = data[base + j]!;
      if (v === 0) continue;
      const m = j * k;
      for (let c = 0; c < k; c += 1) row[c] += v * matrix[m + c]!;
    }
    out[i] = row;
  }
  return out;
}

/**
 * UMAP (umap-js) of the rows, scaled to [0, 1] on both axes. `onProgress(done, total)` is told
 * after the neighbour graph and every few epochs.
 */
export function projectUmap(
  input: ProjectionInput,
  onProgress: (done: number, total: number) => void = () => undefined,
): Float32Array {
  const { n } = input;
  const out = new Float32Array(n * 2);
  if (n === 0) return out;
  if (n < 3) {
    for (let i = 0; i < n; i += 1) out.set([i / Math.max(1, n - 1), 0.5], i * 2);
    return out;
  }
  const rows = randomProjection(input.data, n, input.d, input.reducedDims, input.seed);
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(input.nNeighbors, n - 1),
    minDist: input.minDist,
    random: seededRandom(input.seed + 1),
  });
  const epochs = umap.initializeFit(rows);
  onProgress(0, epochs);
  for (let e = 0; e < epochs; e += 1) {
    umap.step();
    if (e % 10 === 9) onProgress(e + 1, epochs);
  }
  const embedding = umap.getEmbedding();
  let [minX, maxX, minY, maxY] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of embedding) {
    minX = Math.min(minX, x!);
    maxX = Math.max(maxX, x!);
    minY = Math.min(minY, y!);
    maxY = Math.max(maxY, y!);
  }
  const sx = maxX - minX || 1;
  const sy = maxY - minY || 1;
  embedding.forEach(([x, y], i) => out.set([(x! - minX) / sx, (y! - minY) / sy], i * 2));
  return out;
}
