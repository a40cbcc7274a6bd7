import { fitThreshold, gridCandidates, type Observation, type ThresholdFit } from './threshold-fit';

/**
 * The signals a tenant's decisions calibrate, each with the setting its operating point becomes:
 * - `cosine`: the embedding alone (the `similar` tier's rule) -> cosineSimilar;
 * - `cosine_near`: the embedding among pairs whose pHash is within phashMax (the `near` rule's
 *   confirmation) -> cosineNear;
 * - `phash`: the Hamming distance alone -> phashMax;
 * - `inliers`: RANSAC inliers of a geometrically verified pair (a pair that failed the shape or
 *   photometric check counts 0) -> minInliers, never below the verifier's own minimum (a pair below
 *   it never had the photometric check, so a lower value cannot be applied without re-verifying).
 */
export const CALIBRATED_SIGNALS = ['cosine', 'cosine_near', 'phash', 'inliers'] as const;
export type CalibratedSignal = (typeof CALIBRATED_SIGNALS)[number];

/** The settings calibration moves (a subset of the dedup thresholds, plus the verifier's minimum). */
export interface CalibratedThresholds {
  cosineSimilar: number;
  cosineNear: number;
  phashMax: number;
  minInliers: number;
}

export const SIGNAL_SETTING: Readonly<Record<CalibratedSignal, keyof CalibratedThresholds>> = {
  cosine: 'cosineSimilar',
  cosine_near: 'cosineNear',
  phash: 'phashMax',
  inliers: 'minInliers',
};

/** One decided pair: the verdict and its signals (null where one could not be read). */
export interface DecisionEvidence {
  duplicate: boolean;
  cosine: number | null;
  hamming: number | null;
  inliers: number | null;
  verified: boolean | null;
}

export interface CalibrationOptions {
  /** Decisions of each verdict a signal needs before it is given a suggestion. */
  minEach: number;
  /** The verifier's own minimum of inliers (VERIFY_DEFAULTS.minInliers). */
  inliersFloor: number;
  /** Largest phashMax suggested (DEDUP_PHASH_MAX's own bound). */
  phashCeiling?: number;
}

const COSINES = gridCandidates(0, 1, 0.005);

/** The fit of every signal on the decisions, against the thresholds in force. */
export function calibrateDedup(
  decisions: readonly DecisionEvidence[],
  current: CalibratedThresholds,
  options: CalibrationOptions,
): Record<CalibratedSignal, ThresholdFit> {
  const obs = (pick: (d: DecisionEvidence) => number | null, keep = (_: DecisionEvidence) => true) =>
    decisions.flatMap((d): Observation[] => {
      const value = keep(d) ? pick(d) : null;
      return value === null || !Number.isFinite(value) ? [] : [{ value, duplicate: d.duplicate }];
    });
  const cosine = (d: DecisionEvidence) => (d.cosine === null || d.cosine < -1 ? null : d.cosine);
  const inliers = obs((d) => (d.inliers === null ? null : d.verified ? d.inliers : 0));
  const maxInliers = Math.max(options.inliersFloor, ...inliers.map((o) => o.value));
  return {
    cosine: fitThreshold(obs(cosine), {
      direction: 'at_least',
      current: current.cosineSimilar,
      candidates: COSINES,
      minEach: options.minEach,
    }),
    cosine_near: fitThreshold(
      obs(cosine, (d) => d.hamming !== null && d.hamming <= current.phashMax),
      { direction: 'at_least', current: current.cosineNear, candidates: COSINES, minEach: options.minEach },
    ),
    phash: fitThreshold(
      obs((d) => d.hamming),
      {
        direction: 'at_most',
        current: current.phashMax,
        candidates: gridCandidates(0, options.phashCeiling ?? 32, 1),
        minEach: options.minEach,
      },
    ),
    inliers: fitThreshold(inliers, {
      direction: 'at_least',
      current: current.minInliers,
      candidates: gridCandidates(options.inliersFloor, maxInliers + 1, 1),
      minEach: options.minEach,
    }),
  };
}
