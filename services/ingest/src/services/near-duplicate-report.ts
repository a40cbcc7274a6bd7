import type { ImageMatch, NearDuplicate } from '@lookalike/contracts';

/** What the ingest answer's `duplicate_check` says about its `near_duplicates`. */
export type DuplicateCheck = 'ok' | 'unavailable' | 'skipped';

export interface DuplicateReport {
  nearDuplicates: NearDuplicate[];
  duplicateCheck: DuplicateCheck;
}

const TIERS: readonly string[] = ['exact', 'near', 'similar'];

/**
 * The dedup service's matches as the ingest answer lists them: its tier as the kind, its distances,
 * strongest tier first (exact, near, similar), then cosine descending, at most `limit`.
 */
export function nearDuplicateReport(matches: readonly ImageMatch[], limit: number): NearDuplicate[] {
  return matches
    .filter((m) => TIERS.includes(m.kind))
    .map((m) => ({ imageId: m.imageId, kind: m.kind, hamming: m.hamming, cosine: m.cosine }))
    .sort(
      (a, b) => TIERS.indexOf(a.kind) - TIERS.indexOf(b.kind) || b.cosine - a.cosine || a.hamming - b.hamming,
    )
    .slice(0, limit);
}
