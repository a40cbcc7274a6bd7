/** What the dedup verdicts and keep rules read about one image (from the vector payload). */
export interface DedupImage {
  imageId: string;
  sha256: string;
  /** 16 hex digits; empty when the image has no hash yet. */
  phash: string;
  qualityScore: number;
  width: number;
  height: number;
  format: string;
  /** ISO-8601. */
  createdAt: string;
}

export const DEDUP_KINDS = ['exact', 'near', 'similar'] as const;
export type DedupKind = (typeof DEDUP_KINDS)[number];

/** Strongest first: an exact pair is also near and similar. */
export const KIND_STRENGTH: Readonly<Record<DedupKind, number>> = { exact: 0, near: 1, similar: 2 };

/** The key of an unordered pair: the smaller id first, as dedup_decisions stores it. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

export function orderedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}
