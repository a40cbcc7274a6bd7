import { LookalikeError } from '@lookalike/contracts';
import type { DedupImage } from './dedup-image';

export const KEEP_RULES = ['quality', 'resolution', 'format', 'age'] as const;
export type KeepRule = (typeof KEEP_RULES)[number];

/** Lossless and modern formats first: the copy worth keeping when everything else ties. */
const FORMAT_RANK: Readonly<Record<string, number>> = { png: 0, tiff: 1, webp: 2, heif: 3, jpeg: 4, gif: 5 };

/** Parses `quality,resolution,format,age` (any order, any subset). */
export function parseKeepRules(text: string): KeepRule[] {
  const rules = text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const rule of rules) {
    if (!(KEEP_RULES as readonly string[]).includes(rule)) {
      throw LookalikeError.invalid(`unknown keep rule "${rule}"; use ${KEEP_RULES.join(', ')}`);
    }
  }
  return rules as KeepRule[];
}

function compareBy(rule: KeepRule, a: DedupImage, b: DedupImage): number {
  switch (rule) {
    case 'quality':
      // Quality scores that differ by under 0.02 are measurement noise, not a reason to prefer one.
      return Math.abs(b.qualityScore - a.qualityScore) < 0.02 ? 0 : b.qualityScore - a.qualityScore;
    case 'resolution':
      return b.width * b.height - a.width * a.height;
    case 'format':
      return (FORMAT_RANK[a.format] ?? 9) - (FORMAT_RANK[b.format] ?? 9);
    case 'age':
      return Date.parse(a.createdAt) - Date.parse(b.createdAt);
  }
}

/** The member to keep: best by the rules in order, then the smallest id (stable). */
export function suggestKeep(members: readonly DedupImage[], rules: readonly KeepRule[]): DedupImage {
  if (members.length === 0) throw new RangeError('a group has members');
  const sorted = [...members].sort((a, b) => {
    for (const rule of rules) {
      const c = compareBy(rule, a, b);
      if (c !== 0) return c;
    }
    return a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0;
  });
  return sorted[0];
}
