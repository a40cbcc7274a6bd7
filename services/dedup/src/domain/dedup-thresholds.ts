import { LookalikeError } from '@lookalike/contracts';
import { VERIFY_DEFAULTS } from '@lookalike/local-features';

export interface DedupThresholds {
  /** Largest pHash Hamming distance of a `near` pair (of 64 bits). */
  phashMax: number;
  /** Cosine a hash match must also reach to be `near`. */
  cosineNear: number;
  /** Cosine that makes a pair `similar` without any hash agreement. */
  cosineSimilar: number;
  /** Also compare the mirrored and turned hashes (derived from the stored hash). */
  hashVariants: boolean;
  /**
   * A `similar` pair must sit within each other's `similarMutualK` nearest neighbours: a cosine
   * threshold alone chains textures and blank images into one big group through union-find.
   * Infinity turns the check off.
   */
  similarMutualK: number;
  /**
   * A pair below cosineSimilar but at or above this, where each image is the other's nearest
   * neighbour, is `similar` too; null turns the mutual-nearest-neighbour rule off.
   */
  mutualCosine: number | null;
  /**
   * RANSAC inliers a geometrically verified pair needs to count as `near`. The verifier's own
   * minimum is the floor: a pair below it never had the photometric check, so raising this only
   * filters stored verdicts (docs/quality-loop.md "Thresholds that learn").
   */
  minInliers: number;
}

/**
 * Defaults per embedding model (the vector name's model part). The mobilenet values are calibrated
 * on dev-nearcopies (docs/quality-loop.md); CLIP's follow the same recipe on its own scale and are
 * the starting point until a tenant calibrates its own.
 */
export const MODEL_DEFAULTS: Readonly<
  Record<string, Omit<DedupThresholds, 'phashMax' | 'hashVariants' | 'similarMutualK' | 'minInliers'>>
> = {
  mobilenet: { cosineNear: 0.8, cosineSimilar: 0.9, mutualCosine: 0.85 },
  clip: { cosineNear: 0.85, cosineSimilar: 0.92, mutualCosine: 0.88 },
};

const FALLBACK = MODEL_DEFAULTS.mobilenet;

export function defaultThresholds(model: string, phashMax = 6): DedupThresholds {
  return {
    phashMax,
    hashVariants: true,
    similarMutualK: 5,
    minInliers: VERIFY_DEFAULTS.minInliers,
    ...(MODEL_DEFAULTS[model] ?? FALLBACK),
  };
}

/** Checks a tenant's overrides and lays them over the defaults. */
export function mergeThresholds(base: DedupThresholds, patch: Partial<DedupThresholds>): DedupThresholds {
  const out = { ...base, ...patch };
  const unit = (name: string, v: number): void => {
    if (!(Number.isFinite(v) && v >= -1 && v <= 1)) {
      throw LookalikeError.invalid(`${name} must be a cosine in -1..1`, { field: name, value: v });
    }
  };
  if (!Number.isInteger(out.phashMax) || out.phashMax < 0 || out.phashMax > 64) {
    throw LookalikeError.invalid('phashMax must be an integer in 0..64', { value: out.phashMax });
  }
  unit('cosineNear', out.cosineNear);
  unit('cosineSimilar', out.cosineSimilar);
  if (out.mutualCosine !== null) unit('mutualCosine', out.mutualCosine);
  if (!(out.similarMutualK >= 1)) throw LookalikeError.invalid('similarMutualK must be >= 1');
  if (
    !Number.isInteger(out.minInliers) ||
    out.minInliers < VERIFY_DEFAULTS.minInliers ||
    out.minInliers > 10_000
  ) {
    throw LookalikeError.invalid(`minInliers must be an integer in ${VERIFY_DEFAULTS.minInliers}..10000`, {
      value: out.minInliers,
    });
  }
  return out;
}
