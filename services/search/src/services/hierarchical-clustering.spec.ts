import { clusterIndices, cosineDistances, LINKAGES } from './hierarchical-clustering';

/** A seeded generator so a failure replays. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `groups` directions in 16-d with `perGroup` noisy points around each. */
function blobs(groups: number, perGroup: number, noise: number, seed: number): Float32Array[] {
  const rnd = random(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: groups }, () => Float32Array.from({ length: 16 }, gauss));
  return centres.flatMap((c) => Array.from({ length: perGroup }, () => c.map((x) => x + noise * gauss())));
}

describe('agglomerative clustering on cosine distance', () => {
  it('finds well separated groups and keeps every point exactly once', () => {
    const vectors = blobs(4, 10, 0.05, 1);
    const d = cosineDistances(vectors);
    for (const linkage of LINKAGES) {
      const clusters = clusterIndices(d, vectors.length, linkage, 0.2);
      expect(clusters).toHaveLength(4);
      expect(clusters.flat().sort((a, b) => a - b)).toEqual(vectors.map((_, i) => i));
      for (const cluster of clusters) expect(new Set(cluster.map((i) => Math.floor(i / 10))).size).toBe(1);
    }
  });

  it('cuts at the threshold: 0 joins only identical directions, 2 merges everything', () => {
    const base = blobs(3, 5, 0.1, 2);
    const vectors = [...base, base[0]!.map((x) => x * 3)];
    const d = cosineDistances(vectors);
    const n = vectors.length;
    expect(clusterIndices(d, n, 'average', 2)).toEqual([vectors.map((_, i) => i)]);
    const atZero = clusterIndices(d, n, 'single', 1e-6);
    expect(atZero).toHaveLength(n - 1);
    expect(atZero).toContainEqual([0, n - 1]);
  });

  it.each(LINKAGES)('the O(n^2) chain gives the same partitions as ml-hclust (%s linkage)', (linkage) => {
    const vectors = blobs(5, 12, 0.6, 7);
    const d = cosineDistances(vectors);
    for (const threshold of [0.1, 0.3, 0.6]) {
      const reference = clusterIndices(d, vectors.length, linkage, threshold, 'ml-hclust');
      const chain = clusterIndices(d, vectors.length, linkage, threshold, 'nn-chain');
      expect(chain).toEqual(reference);
    }
  });

  it('clusters a thousand 512-d points above the ml-hclust size with the chain', () => {
    const vectors = blobs(20, 50, 0.3, 3).map((v) => {
      const big = new Float32Array(512);
      big.set(v);
      return big;
    });
    const started = Date.now();
    const clusters = clusterIndices(cosineDistances(vectors), vectors.length, 'average', 0.3);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(clusters.flat()).toHaveLength(1000);
    expect(clusters.length).toBeGreaterThanOrEqual(20);
  });
});
