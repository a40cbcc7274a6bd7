import type { SweepVerification } from '../domain/dedup-sweep';
import type { DedupConfig } from '../dedup.config';
import type { LocalFeaturesRepository } from '../repositories/local-features.repository';
import type { IndexedImage } from '../repositories/image-index.repository';

/**
 * The sweep's verifier over these images, or undefined when verification is off. A sweep verifies
 * kNN and hash candidates and closes triangles; the upload-time check verifies only the new
 * image's pairs, against fewer neighbours, closest first, skipping candidates already linked to
 * one it verified against, so that one upload costs a few verifications.
 */
export function sweepVerification(
  features: LocalFeaturesRepository,
  owner: string,
  config: DedupConfig,
  images: readonly IndexedImage[],
  focus?: string,
): SweepVerification | undefined {
  if (!features.enabled) return undefined;
  const byId = new Map(images.map((im) => [im.imageId, im]));
  const source = (id: string) => {
    const im = byId.get(id)!;
    return { imageId: im.imageId, key: im.key };
  };
  return {
    k: focus === undefined ? config.DEDUP_VERIFY_K : config.DEDUP_VERIFY_CHECK_K,
    maxHamming: config.DEDUP_VERIFY_MAX_HAMMING,
    expandPerImage: focus === undefined ? config.DEDUP_VERIFY_EXPAND : 0,
    focus,
    knownVerified: focus === undefined ? undefined : (pairs) => features.knownVerified(owner, pairs),
    verify: (pairs) =>
      features.verify(
        owner,
        pairs.map(([a, b]) => [source(a), source(b)] as const),
      ),
  };
}
