import { Reservoir } from './map.service';
import { projectUmap, randomProjection, seededRandom } from './umap-projection';

function clusters(n: number, d: number, k: number, seed: number): { data: Float32Array; label: number[] } {
  const random = seededRandom(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => random() - 0.5));
  const data = new Float32Array(n * d);
  const label: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const c = i % k;
    label.push(c);
    for (let j = 0; j < d; j += 1) data[i * d + j] = centres[c]![j]! + (random() - 0.5) * 0.05;
  }
  return { data, label };
}

describe('the embedding map projection', () => {
  it('keeps distances roughly under a seeded random projection, the same each time', () => {
    const { data } = clusters(20, 256, 4, 3);
    const a = randomProjection(data, 20, 256, 64, 9);
    expect(a).toEqual(randomProjection(data, 20, 256, 64, 9));
    expect(a[0]).toHaveLength(64);
    const dist = (u: ArrayLike<number>, v: ArrayLike<number>) =>
      Math.sqrt(Array.from(u).reduce((s, x, i) => s + (x - v[i]!) ** 2, 0));
    const row = (i: number) => data.subarray(i * 256, (i + 1) * 256);
    // Same cluster (0 and 4) stays much closer than different clusters (0 and 1).
    const ratio = dist(a[0]!, a[4]!) / dist(a[0]!, a[1]!);
    expect(ratio).toBeLessThan(0.5);
    expect(dist(row(0), row(4)) / dist(row(0), row(1))).toBeLessThan(0.5);
  });

  it('maps clusters apart into [0, 1] and reproduces the same map from the same seed', () => {
    const { data, label } = clusters(120, 32, 3, 1);
    const input = { data, n: 120, d: 32, seed: 5, reducedDims: 64, nNeighbors: 10, minDist: 0.1 };
    const progress: number[] = [];
    const xy = projectUmap(input, (done) => progress.push(done));
    expect(xy).toHaveLength(240);
    expect(Math.min(...xy)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xy)).toBeLessThanOrEqual(1);
    expect(progress[0]).toBe(0);
    expect(projectUmap(input)).toEqual(xy);
    const centre = (c: number) => {
      const idx = label.flatMap((l, i) => (l === c ? [i] : []));
      return [0, 1].map((k) => idx.reduce((s, i) => s + xy[i * 2 + k]!, 0) / idx.length);
    };
    const spread = (c: number) => {
      const [cx, cy] = centre(c) as [number, number];
      const idx = label.flatMap((l, i) => (l === c ? [i] : []));
      return idx.reduce((s, i) => s + Math.hypot(xy[i * 2]! - cx, xy[i * 2 + 1]! - cy), 0) / idx.length;
    };
    const [c0, c1] = [centre(0), centre(1)] as [number[], number[]];
    expect(Math.hypot(c0[0]! - c1[0]!, c0[1]! - c1[1]!)).toBeGreaterThan(3 * spread(0));
  });

  it('places one or two points without UMAP', () => {
    expect(
      Array.from(
        projectUmap({
          data: new Float32Array(4),
          n: 2,
          d: 2,
          seed: 1,
          reducedDims: 64,
          nNeighbors: 15,
          minDist: 0.1,
        }),
      ),
    ).toEqual([0, 0.5, 1, 0.5]);
  });
});

describe('Reservoir', () => {
  it('keeps everything up to k, in arrival order', () => {
    const r = new Reservoir<number>(5, 1);
    [1, 2, 3].forEach((x) => r.add(x));
    expect(r.sample()).toEqual([1, 2, 3]);
    expect(r.total).toBe(3);
  });

  it('keeps a uniform sample of k beyond, the same for the same seed', () => {
    const take = (seed: number) => {
      const r = new Reservoir<number>(100, seed);
      for (let i = 0; i < 1000; i += 1) r.add(i);
      return r.sample();
    };
    const sample = take(7);
    expect(sample).toHaveLength(100);
    expect(sample).toEqual(take(7));
    expect([...sample].sort((a, b) => a - b)).toEqual(sample);
    // Roughly uniform: about half below 500.
    const low = sample.filter((x) => x < 500).length;
    expect(low).toBeGreaterThan(30);
    expect(low).toBeLessThan(70);
  });
});
