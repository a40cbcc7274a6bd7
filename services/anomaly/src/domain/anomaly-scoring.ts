export const ANOMALY_METHODS = ['dnn', 'density', 'ood', 'quality'] as const;
export type AnomalyMethod = (typeof ANOMALY_METHODS)[number];
export type ListMethod = AnomalyMethod | 'combined';

/** Raw distances (cosine distance, 0..2) and 1 - quality_score. */
export type RawScores = Record<AnomalyMethod, number>;

/** One entry of an image's kNN list as its score row keeps it: the neighbour's point id, the cosine. */
export interface StoredNeighbour {
  id: string;
  s: number;
}

/**
 * The raw scores as SQL keeps them (`anomaly_scores.raw`), with the kNN list they came from, so a
 * later upload that enters the list updates dnn and density without a search (`mergeNeighbours`).
 */
export interface StoredRaw extends RawScores {
  knn?: StoredNeighbour[];
}
/** Each method scaled to 0..1, comparable across methods and tenants. */
export type Components = Record<AnomalyMethod, number>;

export interface ReferenceStats {
  median: Record<AnomalyMethod, number>;
  /** 1.4826 * MAD: the standard deviation of a normal sample, robust to the outliers we look for. */
  spread: Record<AnomalyMethod, number>;
  count: number;
}

export type Weights = Record<AnomalyMethod, number>;

export const DEFAULT_WEIGHTS: Weights = { dnn: 0.3, density: 0.3, ood: 0.25, quality: 0.15 };

/**
 * - dnn: cosine distance to the nearest other image (an image nothing resembles);
 * - density: mean cosine distance to the k nearest (a sparse neighbourhood, kNN-distance outlier);
 * - ood: cosine distance to the tenant's mean direction (far from what the tenant holds);
 * - quality: 1 - quality_score.
 */
export function rawScores(
  neighbourScores: readonly number[],
  vector: Float32Array | undefined,
  centroid: Float32Array | undefined,
  qualityScore: number,
): RawScores {
  const distances = neighbourScores.map((s) => 1 - s);
  return {
    dnn: distances.length > 0 ? distances[0] : 1,
    density: distances.length > 0 ? distances.reduce((a, b) => a + b, 0) / distances.length : 1,
    ood: vector && centroid ? 1 - dot(vector, centroid) : 0,
    quality: 1 - Math.min(1, Math.max(0, qualityScore)),
  };
}

/**
 * An image's kNN list with new neighbours merged in: the k best by cosine, one entry per point (a
 * re-scored neighbour replaces its old cosine), ties by id. Cosines are kept to 6 decimals.
 */
export function mergeNeighbours(
  list: readonly StoredNeighbour[],
  added: readonly StoredNeighbour[],
  k: number,
): StoredNeighbour[] {
  const byId = new Map(list.map((n) => [n.id, n.s]));
  for (const n of added) byId.set(n.id, Math.round(n.s * 1e6) / 1e6);
  return [...byId]
    .map(([id, s]) => ({ id, s }))
    .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, k);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i] * b[i];
  return s;
}

/** The unit-length mean of the vectors: the tenant's typical direction. */
export function centroidOf(vectors: Iterable<Float32Array>): Float32Array | undefined {
  let sum: Float32Array | undefined;
  for (const v of vectors) {
    sum ??= new Float32Array(v.length);
    for (let i = 0; i < v.length; i += 1) sum[i] += v[i];
  }
  if (!sum) return undefined;
  const norm = Math.sqrt(dot(sum, sum));
  if (norm > 0) for (let i = 0; i < sum.length; i += 1) sum[i] /= norm;
  return sum;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const MIN_SPREAD = 1e-3;

export function referenceStats(raws: readonly RawScores[]): ReferenceStats {
  const med = {} as Record<AnomalyMethod, number>;
  const spread = {} as Record<AnomalyMethod, number>;
  for (const m of ANOMALY_METHODS) {
    const values = raws.map((r) => r[m]);
    med[m] = median(values);
    spread[m] = Math.max(MIN_SPREAD, 1.4826 * median(values.map((v) => Math.abs(v - med[m]))));
  }
  return { median: med, spread, count: raws.length };
}

/**
 * Robust z-score against the tenant, mapped to 0..1 by 1 - 2^(-z/3): at or below the median 0,
 * three spreads out 0.5, six 0.75. Quality is already 0..1 and absolute, so it is kept as is.
 */
export function scaleComponents(raw: RawScores, stats: ReferenceStats): Components {
  const scale = (m: AnomalyMethod): number => {
    const z = (raw[m] - stats.median[m]) / stats.spread[m];
    return z <= 0 ? 0 : 1 - 2 ** (-z / 3);
  };
  return { dnn: scale('dnn'), density: scale('density'), ood: scale('ood'), quality: raw.quality };
}

/** Weighted mean of the components, 0..1. */
export function combine(c: Components, weights: Weights = DEFAULT_WEIGHTS): number {
  let sum = 0;
  let total = 0;
  for (const m of ANOMALY_METHODS) {
    sum += c[m] * weights[m];
    total += weights[m];
  }
  return total > 0 ? sum / total : 0;
}

export function parseWeights(text: string): Weights {
  const parts = Object.fromEntries(
    text.split(',').map((kv) => {
      const [k, v] = kv.split('=').map((s) => s.trim());
      return [k, Number(v)];
    }),
  ) as Record<string, number>;
  const weights = { ...DEFAULT_WEIGHTS };
  for (const [k, v] of Object.entries(parts)) {
    if (!(ANOMALY_METHODS as readonly string[]).includes(k) || !Number.isFinite(v) || v < 0) {
      throw new Error(`anomaly weight "${k}=${v}" is not <dnn|density|ood|quality>=<number >= 0>`);
    }
    weights[k as AnomalyMethod] = v;
  }
  return weights;
}

/** Area under the ROC curve of `scores` ranking the positives first (ties count half). */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const pos = scores.filter((_, i) => positive[i]);
  const neg = scores.filter((_, i) => !positive[i]);
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}
