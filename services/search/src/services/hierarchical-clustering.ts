import { agnes } from 'ml-hclust';

export type Linkage = 'average' | 'complete' | 'single';

export const LINKAGES: readonly Linkage[] = ['average', 'complete', 'single'];

/**
 * ml-hclust's agnes copies the whole distance matrix after every merge (O(n^3), about 0.2 s at 60
 * points on the 2-core dev machine, hours at 5000). It builds the tree up to this size; above it the
 * nearest-neighbour chain below gives the same partitions in O(n^2) (all three linkages are
 * reducible), which the unit tests check against ml-hclust.
 */
export const ML_HCLUST_MAX_POINTS = 64;

/** Cosine distance (1 - cosine similarity) between every pair, condensed: row i holds j < i. */
export function cosineDistances(vectors: readonly Float32Array[]): Float64Array {
  const n = vectors.length;
  const dim = vectors[0]?.length ?? 0;
  // One contiguous block of unit vectors: the pair loop below is the whole cost (n^2/2 * dim).
  const flat = new Float32Array(n * dim);
  vectors.forEach((v, i) => {
    let norm = 0;
    for (let k = 0; k < dim; k += 1) norm += v[k]! * v[k]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < dim; k += 1) flat[i * dim + k] = v[k]! * scale;
  });
  const out = new Float64Array((n * (n - 1)) / 2);
  const tail = dim - (dim % 4);
  for (let i = 1; i < n; i += 1) {
    const a = i * dim;
    const row = (i * (i - 1)) / 2;
    for (let j = 0; j < i; j += 1) {
      const b = j * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < tail; k += 4) {
        s0 += flat[a + k]! * flat[b + k]!;
        s1 += flat[a + k + 1]! * flat[b + k + 1]!;
        s2 += flat[a + k + 2]! * flat[b + k + 2]!;
        s3 += flat[a + k + 3]! * flat[b + k + 3]!;
      }
      for (let k = tail; k < dim; k += 1) s0 += flat[a + k]! * flat[b + k]!;
      out[row + j] = Math.max(0, 1 - (s0 + s1 + s2 + s3));
    }
  }
  return out;
}

function at(d: Float64Array, i: number, j: number): number {
  return i > j ? d[(i * (i - 1)) / 2 + j]! : d[(j * (j - 1)) / 2 + i]!;
}

/**
 * Clusters of point indices after cutting the dendrogram at `threshold`: points stay together when
 * they were merged at a linkage distance of at most `threshold`. Every point is in exactly one
 * cluster (singletons included); clusters hold ascending indices and come in order of their
 * smallest index.
 */
export function clusterIndices(
  distances: Float64Array,
  n: number,
  linkage: Linkage,
  threshold: number,
  engine: 'auto' | 'ml-hclust' | 'nn-chain' = 'auto',
): number[][] {
  if (n === 0) return [];
  if (n === 1) return [[0]];
  const useAgnes = engine === 'ml-hclust' || (engine === 'auto' && n <= ML_HCLUST_MAX_POINTS);
  const merges = useAgnes ? agnesMerges(distances, n, linkage) : chainMerges(distances, n, linkage);
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (const [a, b, height] of merges) {
    if (height <= threshold) parent[find(a)] = find(b);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i += 1) {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  }
  return [...groups.values()].sort((x, y) => x[0]! - y[0]!);
}

/** Merges as (a point of one side, a point of the other, height), from ml-hclust's tree. */
function agnesMerges(distances: Float64Array, n: number, linkage: Linkage): [number, number, number][] {
  const matrix = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 0 : at(distances, i, j))),
  );
  const root = agnes(matrix, { method: linkage, isDistanceMatrix: true });
  const merges: [number, number, number][] = [];
  root.traverse((node) => {
    if (node.isLeaf || node.children.length < 2) return;
    const [left, right] = node.children;
    merges.push([firstLeaf(left!), firstLeaf(right!), node.height]);
  });
  return merges;
}

function firstLeaf(node: { isLeaf: boolean; index: number; children: unknown[] }): number {
  let current = node;
  while (!current.isLeaf) current = current.children[0] as typeof node;
  return current.index;
}

/**
 * The nearest-neighbour chain algorithm with Lance-Williams updates: follows nearest neighbours
 * until two clusters are each other's nearest, merges them, and keeps the rest of the chain.
 * The distance matrix is updated in place; a merged cluster lives on in its lower index.
 */
function chainMerges(input: Float64Array, n: number, linkage: Linkage): [number, number, number][] {
  const d = Float64Array.from(input);
  const size = new Int32Array(n).fill(1);
  const alive = new Uint8Array(n).fill(1);
  const merges: [number, number, number][] = [];
  const chain: number[] = [];
  let remaining = n;
  let nextStart = 0;
  const idx = (i: number, j: number) => (i > j ? (i * (i - 1)) / 2 + j : (j * (j - 1)) / 2 + i);
  while (remaining > 1) {
    if (chain.length === 0) {
      while (!alive[nextStart]) nextStart += 1;
      chain.push(nextStart);
    }
    const a = chain[chain.length - 1]!;
    const previous = chain.length > 1 ? chain[chain.length - 2]! : -1;
    // Prefer the previous chain element on ties so the chain cannot cycle.
    let best = previous;
    let bestDistance = previous >= 0 ? d[idx(a, previous)]! : Infinity;
    for (let k = 0; k < n; k += 1) {
      if (k === a || !alive[k]) continue;
      const dist = d[idx(a, k)]!;
      if (dist < bestDistance) {
        bestDistance = dist;
        best = k;
      }
    }
    if (best === previous) {
      chain.pop();
      chain.pop();
      const keep = Math.min(a, best);
      const drop = Math.max(a, best);
      merges.push([a, best, bestDistance]);
      const sizeA = size[keep]!;
      const sizeB = size[drop]!;
      for (let k = 0; k < n; k += 1) {
        if (!alive[k] || k === keep || k === drop) continue;
        const dA = d[idx(keep, k)]!;
        const dB = d[idx(drop, k)]!;
        d[idx(keep, k)] =
          linkage === 'single'
            ? Math.min(dA, dB)
            : linkage === 'complete'
              ? Math.max(dA, dB)
              : (sizeA * dA + sizeB * dB) / (sizeA + sizeB);
      }
      size[keep] = sizeA + sizeB;
      alive[drop] = 0;
      remaining -= 1;
    } else {
      chain.push(best);
    }
  }
  return merges;
}
