import type { PairGeometry } from '@lookalike/local-features';
import type { SweepVerification } from '../domain/dedup-sweep';
import type { DedupConfig } from '../dedup.config';
import type { LocalFeaturesRepository, PendingVerification } from '../repositories/local-features.repository';
import type { IndexedImage } from '../repositories/image-index.repository';

/** A sweep's verifier, and what stores the verdicts it left pending once the sweep is done. */
export interface SweepVerifier extends SweepVerification {
  flush(): Promise<void>;
}

/**
 * The sweep's verifier over these images, or undefined when verification is off. A sweep verifies
 * kNN and hash candidates and closes triangles, reading and storing verdicts in SQL as it goes;
 * the upload-time check (`focus`) verifies only the new image's pairs, against fewer neighbours,
 * closest first, skipping candidates already linked to one it verified against, so that one upload
 * costs a few verifications and two SQL statements (the stored links, then the new verdicts at
 * `flush`).
 *
 * `minInliers` (the tenant's threshold in force) filters the verdicts: a pair verified with fewer
 * inliers counts as not verified. The verifier's own minimum is the floor, so a stored verdict
 * never needs matching again when the threshold moves.
 */
export function sweepVerification(
  features: LocalFeaturesRepository,
  owner: string,
  config: DedupConfig,
  images: readonly IndexedImage[],
  focus?: string,
  minInliers = 0,
): SweepVerifier | undefined {
  if (!features.enabled) return undefined;
  const byId = new Map(images.map((im) => [im.imageId, im]));
  const source = (id: string) => {
    const im = byId.get(id)!;
    return { imageId: im.imageId, key: im.key };
  };
  const pending: PendingVerification[] = [];
  const check = focus !== undefined;
  return {
    k: check ? config.DEDUP_VERIFY_CHECK_K : config.DEDUP_VERIFY_K,
    maxHamming: config.DEDUP_VERIFY_MAX_HAMMING,
    expandPerImage: check ? 0 : config.DEDUP_VERIFY_EXPAND,
    focus,
    knownVerified: check
      ? async (pairs) =>
          (await features.knownVerified(owner, pairs)).map((g) =>
            enough(g, minInliers)?.verified ? g : null,
          )
      : undefined,
    verify: async (pairs) =>
      (
        await features.verify(
          owner,
          pairs.map(([a, b]) => [source(a), source(b)] as const),
          check ? { lookup: false, pending } : {},
        )
      ).map((g) => (g ? enough(g, minInliers) : g)),
    flush: () => features.save(owner, pending.splice(0)),
  };
}

/** A verified geometry with fewer inliers than the threshold in force counts as not verified. */
export function enough<G extends PairGeometry | null>(g: G, minInliers: number): G {
  return g && g.verified && g.inliers < minInliers
    ? ({ ...g, verified: false, outcome: 'few_inliers' } as G)
    : g;
}
