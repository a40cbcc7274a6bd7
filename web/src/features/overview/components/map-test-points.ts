/**
 * Points laid out like a UMAP map (clusters of uneven size plus scattered points), seeded, for the
 * map's tests and its 50,000-point check.
 */
export function seededPoints(n: number, seed: number): { xs: Float32Array; ys: Float32Array } {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const centres = Array.from({ length: 24 }, () => [random(), random(), 0.01 + random() * 0.06] as const);
  const xs = new Float32Array(n);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i += 1) {
    if (random() < 0.1) {
      xs[i] = random();
      ys[i] = random();
      continue;
    }
    const [cx, cy, spread] = centres[Math.floor(random() * centres.length)]!;
    const r = spread * Math.sqrt(-2 * Math.log(Math.max(random(), 1e-9)));
    const a = 2 * Math.PI * random();
    xs[i] = Math.min(1, Math.max(0, cx + r * Math.cos(a)));
    ys[i] = Math.min(1, Math.max(0, cy + r * Math.sin(a)));
  }
  return { xs, ys };
}
