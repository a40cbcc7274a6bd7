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
 */
export function sweepVerification(
  features: LocalFeaturesRepository,
  owner: string,
  config: DedupConfig,
  images: readonly IndexedImage[],
  focus?: string,
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
    knownVerified: check ? (pairs) => features.knownVerified(owner, pairs) : undefined,
    verify: (pairs) =>
      features.verify(
        owner,
        pairs.map(([a, b]) => [source(a), source(b)] as const),
        check ? { lookup: false, pending } : {},
      ),
    flush: () => features.save(owner, pending.splice(0)),
  };
}
