import { ANOMALY_METHODS, combine, type Components, type Weights } from './anomaly-scoring';

/**
 * The anomaly component weights that best agree with reviewers' ok / anomaly verdicts
 * (docs/quality-loop.md "Thresholds that learn"): every weight vector on a simplex grid (steps of
 * `step`, weights summing to 1) is scored by the ROC-AUC of its combined score over the reviewed
 * images; the best wins, ties going to the vector closest to the weights in force. The queue is
 * sorted by the combined score, so ranking (AUC) is what matters; the best cut's counts are
 * reported beside it so the gain can be read in reviews rather than in an area.
 */
export interface ReviewedComponents extends Components {
  anomaly: boolean;
}

export interface WeightsAgreement {
  weights: Weights;
  auc: number;
  /** The combined score's cut with the most reviews on the right side, and its counts. */
  cut: { threshold: number; tp: number; fp: number; fn: number; tn: number };
}

export interface WeightsFit {
  positives: number;
  negatives: number;
  current: WeightsAgreement;
  suggested: WeightsAgreement | null;
  reason?: 'not_enough_decisions';
}

/** ROC-AUC by ranks (ties share their mean rank): O(n log n), so a grid of weights stays cheap. */
export function aucByRank(scores: readonly number[], positive: readonly boolean[]): number {
  const order = scores.map((s, i) => ({ s, p: positive[i] })).sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && order[j].s === order[i].s) j += 1;
    const mean = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1) {
      if (order[k].p) {
        rankSum += mean;
        positives += 1;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function agreement(reviews: readonly ReviewedComponents[], weights: Weights): WeightsAgreement {
  const scores = reviews.map((r) => combine(r, weights));
  const positive = reviews.map((r) => r.anomaly);
  const order = scores.map((s, i) => ({ s, p: positive[i] })).sort((a, b) => b.s - a.s);
  const pos = positive.filter(Boolean).length;
  const neg = reviews.length - pos;
  // Flagging everything at or above a cut: the cut that gets the most reviews right.
  let best = { threshold: Infinity, tp: 0, fp: 0, fn: pos, tn: neg };
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i += 1) {
    if (order[i].p) tp += 1;
    else fp += 1;
    if (i + 1 < order.length && order[i + 1].s === order[i].s) continue;
    if (tp + (neg - fp) > best.tp + best.tn)
      best = { threshold: order[i].s, tp, fp, fn: pos - tp, tn: neg - fp };
  }
  return { weights, auc: aucByRank(scores, positive), cut: best };
}

/** Weight vectors on the simplex with the given step (0.05: 1,771 vectors for four components). */
export function simplexGrid(step: number): Weights[] {
  const n = Math.round(1 / step);
  const out: Weights[] = [];
  for (let a = 0; a <= n; a += 1)
    for (let b = 0; a + b <= n; b += 1)
      for (let c = 0; a + b + c <= n; c += 1) {
        const d = n - a - b - c;
        out.push({ dnn: a / n, density: b / n, ood: c / n, quality: d / n });
      }
  return out;
}

function normalised(w: Weights): Weights {
  const total = ANOMALY_METHODS.reduce((s, m) => s + w[m], 0) || 1;
  return Object.fromEntries(ANOMALY_METHODS.map((m) => [m, w[m] / total])) as Weights;
}

function distance(a: Weights, b: Weights): number {
  return ANOMALY_METHODS.reduce((s, m) => s + Math.abs(a[m] - b[m]), 0);
}

export function fitWeights(
  reviews: readonly ReviewedComponents[],
  current: Weights,
  options: { minEach: number; step?: number },
): WeightsFit {
  const positives = reviews.filter((r) => r.anomaly).length;
  const negatives = reviews.length - positives;
  const now = agreement(reviews, current);
  const base = { positives, negatives, current: now };
  if (positives < options.minEach || negatives < options.minEach) {
    return { ...base, suggested: null, reason: 'not_enough_decisions' };
  }
  const here = normalised(current);
  let best = now;
  for (const w of simplexGrid(options.step ?? 0.05)) {
    const a = agreement(reviews, w);
    if (
      a.auc > best.auc + 1e-12 ||
      (Math.abs(a.auc - best.auc) <= 1e-12 &&
        best !== now &&
        distance(w, here) < distance(best.weights, here))
    ) {
      best = a;
    }
  }
  return { ...base, suggested: best };
}
