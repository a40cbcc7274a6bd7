import type { PairGeometry } from '@lookalike/local-features';
import type { DedupImage, DedupKind } from './dedup-image';
import type { DedupThresholds } from './dedup-thresholds';
import { closestHash, type HashMatch } from './phash-variants';

export interface PairEvidence {
  cosine: number;
  /**
   * The larger of the two ranks (0 = nearest) each image has in the other's kNN list; Infinity
   * when either is missing. 0 means mutual nearest neighbours.
   */
  mutualRank: number;
  /** The hash comparison when the caller already made it (the sweep prepares hashes once). */
  hash?: HashMatch;
}

export interface PairVerdict {
  kind: DedupKind;
  /** Smallest Hamming distance over the plain and (when on) variant hashes; 64 without hashes. */
  hamming: number;
  variant: HashMatch['variant'];
  cosine: number;
  /** Which rule admitted the pair. */
  rule: 'sha256' | 'hash+cosine' | 'geometry' | 'cosine' | 'mutual-nn';
  /** The geometric verification, when the pair was verified (whatever its outcome). */
  geometry?: PairGeometry;
  /** The image the geometry starts from (its A): the evidence reads from it to the other. */
  geometryFrom?: string;
}

/**
 * The tier of a pair: `exact` for the same bytes; `near` when the hashes agree (plain or, when
 * on, mirrored/turned) and the embeddings confirm; `similar` on the embeddings alone (or on a
 * lower cosine when the two are each other's nearest neighbour); null otherwise.
 */
export function judgePair(
  a: DedupImage,
  b: DedupImage,
  evidence: PairEvidence,
  t: DedupThresholds,
): PairVerdict | null {
  const match: HashMatch =
    evidence.hash ??
    (a.phash && b.phash
      ? closestHash(a.phash, b.phash, t.hashVariants)
      : { hamming: 64, variant: 'identity' });
  const base = { hamming: match.hamming, variant: match.variant, cosine: evidence.cosine };
  if (a.sha256 === b.sha256)
    return { kind: 'exact', rule: 'sha256', ...base, hamming: 0, variant: 'identity' };
  if (match.hamming <= t.phashMax && evidence.cosine >= t.cosineNear) {
    return { kind: 'near', rule: 'hash+cosine', ...base };
  }
  if (evidence.cosine >= t.cosineSimilar && evidence.mutualRank < t.similarMutualK) {
    return { kind: 'similar', rule: 'cosine', ...base };
  }
  if (t.mutualCosine !== null && evidence.mutualRank === 0 && evidence.cosine >= t.mutualCosine) {
    return { kind: 'similar', rule: 'mutual-nn', ...base };
  }
  return null;
}
