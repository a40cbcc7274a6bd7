/**
 * Thresholds that learn (docs/quality-loop.md "Thresholds that learn"): for one signal, the
 * threshold that best agrees with reviewers' duplicate / not-duplicate decisions, found by sweeping
 * every candidate value. Agreement is the Matthews correlation (MCC) between the signal's call and
 * the verdicts: it counts all four cells, so a threshold that calls everything a duplicate scores 0
 * however many of the decisions were duplicates (F1 rewards that whenever duplicates are the
 * majority, as they are where reviewers confirm what the system proposed), and it is not fooled
 * by a rare verdict either. Precision, recall and F1 are reported beside it.
 */

/** `at_least`: the signal says duplicate at or above the threshold (cosine, inliers); `at_most`: at or below (Hamming). */
export type Direction = 'at_least' | 'at_most';

export interface Observation {
  value: number;
  duplicate: boolean;
}

/** How far the signal at one threshold agrees with the decisions, with the counts behind it. */
export interface Agreement {
  threshold: number;
  /** Decided duplicate and passed by the threshold. */
  tp: number;
  /** Decided not duplicate but passed. */
  fp: number;
  /** Decided duplicate but not passed. */
  fn: number;
  tn: number;
  /** tp / (tp + fp); 1 when nothing passes. */
  precision: number;
  /** tp / (tp + fn); 1 without duplicate decisions. */
  recall: number;
  f1: number;
  /** Matthews correlation, -1..1 (0: no better than a constant call); what the fit maximises. */
  mcc: number;
}

export type NoSuggestion = 'not_enough_decisions';

export interface ThresholdFit {
  direction: Direction;
  /** Decisions the signal could be read for, by verdict. */
  duplicates: number;
  notDuplicates: number;
  current: Agreement;
  /** The best agreeing threshold; null when the decisions are too few to say. */
  suggested: Agreement | null;
  reason?: NoSuggestion;
}

export interface FitOptions {
  direction: Direction;
  current: number;
  /** Candidate thresholds; the fit never suggests a value outside them. */
  candidates: readonly number[];
  /** Decisions of each verdict needed before anything is suggested. */
  minEach: number;
}

function passes(value: number, threshold: number, direction: Direction): boolean {
  return direction === 'at_least' ? value >= threshold : value <= threshold;
}

/** The agreement of `threshold` with the decisions. */
export function agreementAt(
  observations: readonly Observation[],
  threshold: number,
  direction: Direction,
): Agreement {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const o of observations) {
    const yes = passes(o.value, threshold, direction);
    if (o.duplicate) {
      if (yes) tp += 1;
      else fn += 1;
    } else if (yes) fp += 1;
    else tn += 1;
  }
  return withRates(threshold, tp, fp, fn, tn);
}

function withRates(threshold: number, tp: number, fp: number, fn: number, tn: number): Agreement {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  const denominator = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  const mcc = denominator === 0 ? 0 : (tp * tn - fp * fn) / denominator;
  return { threshold, tp, fp, fn, tn, precision, recall, f1, mcc };
}

/**
 * Sweeps the candidates and keeps the one with the highest MCC; among equals the one closest to
 * the current threshold (the smallest change that agrees as well). The counts at each candidate come
 * from one sorted pass, so a tenant's whole decision history costs O(n log n).
 */
export function fitThreshold(observations: readonly Observation[], options: FitOptions): ThresholdFit {
  const { direction, current, minEach } = options;
  const duplicates = observations.filter((o) => o.duplicate).length;
  const notDuplicates = observations.length - duplicates;
  const base = {
    direction,
    duplicates,
    notDuplicates,
    current: agreementAt(observations, current, direction),
  };
  if (duplicates < minEach || notDuplicates < minEach) {
    return { ...base, suggested: null, reason: 'not_enough_decisions' };
  }
  // Sorted so that "passes" is a prefix: descending for at_least, ascending for at_most.
  const sign = direction === 'at_least' ? -1 : 1;
  const sorted = [...observations].sort((a, b) => sign * (a.value - b.value));
  const candidates = [...new Set(options.candidates)].sort((a, b) => sign * (a - b));
  let best: Agreement | null = null;
  let i = 0;
  let tp = 0;
  let fp = 0;
  for (const t of candidates) {
    while (i < sorted.length && passes(sorted[i].value, t, direction)) {
      if (sorted[i].duplicate) tp += 1;
      else fp += 1;
      i += 1;
    }
    const a = withRates(t, tp, fp, duplicates - tp, notDuplicates - fp);
    if (
      !best ||
      a.mcc > best.mcc + 1e-12 ||
      (Math.abs(a.mcc - best.mcc) <= 1e-12 && Math.abs(t - current) < Math.abs(best.threshold - current))
    ) {
      best = a;
    }
  }
  if (!best || best.mcc <= base.current.mcc + 1e-12) {
    // Nothing agrees better than what is in force: the suggestion is to keep it.
    return { ...base, suggested: base.current };
  }
  return { ...base, suggested: best };
}

/** Evenly spaced candidates from `from` to `to` (inclusive), rounded to the step's decimals. */
export function gridCandidates(from: number, to: number, step: number): number[] {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  const out: number[] = [];
  for (let v = from; v <= to + step / 2; v += step) out.push(Number(v.toFixed(decimals)));
  return out;
}
