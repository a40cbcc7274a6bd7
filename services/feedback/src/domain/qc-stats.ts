import type { StatsResponse, TierStats } from '@lookalike/contracts';
import { emptyTenantCounts, type SeriesPoint, type TenantCounts } from '@lookalike/persistence';

export const STATS_WINDOWS = { '24h': 24 * 3600, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;

/** Hourly buckets over a day, daily ones over longer windows. */
export function bucketOf(window: StatsWindow): { bucket: 'hour' | 'day'; stepSeconds: number } {
  return window === '24h' ? { bucket: 'hour', stepSeconds: 3600 } : { bucket: 'day', stepSeconds: 86_400 };
}

/**
 * Redundant copies among groups given by their members keys: members beyond one per connected set
 * (nested tiers and groups sharing a member count each image once).
 */
export function redundantCopies(membersKeys: readonly string[]): number {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const key of membersKeys) {
    const ids = key.split(',').filter(Boolean);
    for (const id of ids) if (!parent.has(id)) parent.set(id, id);
    for (const id of ids.slice(1)) parent.set(find(id), find(ids[0]!));
  }
  const roots = new Set([...parent.keys()].map(find));
  return parent.size - roots.size;
}

/** Members keys of the open image groups of these tiers. */
function keysOf(counts: TenantCounts, kinds: readonly string[]): string[] {
  return counts.openImageGroups.filter((g) => kinds.includes(g.kind)).map((g) => g.membersKey);
}

function tier(counts: TenantCounts, kind: string): TierStats {
  const rows = counts.groups.filter((g) => g.media === 'image' && g.kind === kind);
  return {
    openGroups: rows.filter((g) => g.status === 'open').reduce((s, g) => s + g.count, 0),
    resolvedGroups: rows.filter((g) => g.status === 'resolved').reduce((s, g) => s + g.count, 0),
    // Groups an upload check saved one after another can overlap: each image counts once.
    openCopies: redundantCopies(keysOf(counts, [kind])),
  };
}

/** A tenant's counts as the contract carries them (the series added by the caller). */
export function summarise(
  counts: TenantCounts,
  now: Date,
  anomalyFlag: number,
): Omit<StatsResponse, 'window' | 'bucket' | 'series'> {
  const copies = redundantCopies(keysOf(counts, ['exact', 'near']));
  const sum = (status: string) =>
    counts.groups.filter((g) => g.status === status).reduce((s, g) => s + g.count, 0);
  return {
    generatedAt: now.toISOString(),
    stills: counts.stills,
    frames: counts.frames,
    videos: counts.videos,
    indexed: counts.indexed,
    failed: counts.failed,
    processing: counts.processing,
    exact: tier(counts, 'exact'),
    near: tier(counts, 'near'),
    similar: tier(counts, 'similar'),
    duplicateCopies: copies,
    duplicateRate: counts.stills > 0 ? copies / counts.stills : 0,
    openGroups: sum('open'),
    resolvedGroups: sum('resolved'),
    openVideoGroups: counts.groups
      .filter((g) => g.media === 'video' && g.status === 'open')
      .reduce((s, g) => s + g.count, 0),
    anomalyQueueDepth: counts.anomalyQueue.depth,
    anomalyQueueAgeSeconds: counts.anomalyQueue.oldest
      ? Math.max(0, (now.getTime() - counts.anomalyQueue.oldest.getTime()) / 1000)
      : 0,
    anomalyFlagScore: anomalyFlag,
    reviewsLastHour: counts.reviews.lastHour,
    reviewsLastDay: counts.reviews.lastDay,
    uploadsCreated: counts.outcomes.created ?? 0,
    uploadsDuplicate: counts.outcomes.duplicate ?? 0,
    uploadsRejected: counts.outcomes.rejected ?? 0,
    uploadsFailed: counts.outcomes.failed ?? 0,
  };
}

export function seriesPoints(points: readonly SeriesPoint[]): StatsResponse['series'] {
  return points.map((p) => ({
    t: p.t.toISOString(),
    uploads: p.uploads,
    duplicateGroups: p.duplicateGroups,
    reviews: p.reviews,
    backlog: p.backlog,
  }));
}

/**
 * The per-tenant gauges' values with the bounded label rule: the `limit` largest tenants (by
 * stills and frames) by name, every other tenant summed under `other` (its rate from the sums,
 * its queue age the oldest).
 */
export function labelledTenants(
  all: readonly TenantCounts[],
  limit: number,
): { tenant: string; counts: TenantCounts }[] {
  const sorted = [...all].sort(
    (a, b) => b.stills + b.frames - (a.stills + a.frames) || a.owner.localeCompare(b.owner),
  );
  const named = sorted.slice(0, limit).map((counts) => ({ tenant: counts.owner, counts }));
  const rest = sorted.slice(limit);
  if (rest.length === 0) return named;
  const other = emptyTenantCounts('other');
  for (const c of rest) {
    for (const k of ['stills', 'frames', 'videos', 'indexed', 'failed', 'processing'] as const)
      other[k] += c[k];
    other.groups.push(...c.groups);
    // Members keys of different tenants never share an id: one pool counts each tenant's sets.
    other.openImageGroups.push(...c.openImageGroups);
    other.anomalyQueue.depth += c.anomalyQueue.depth;
    const oldest = c.anomalyQueue.oldest;
    if (oldest && (!other.anomalyQueue.oldest || oldest < other.anomalyQueue.oldest))
      other.anomalyQueue.oldest = oldest;
    other.reviews.lastHour += c.reviews.lastHour;
    other.reviews.lastDay += c.reviews.lastDay;
    for (const [k, v] of Object.entries(c.outcomes)) {
      const key = k as keyof TenantCounts['outcomes'];
      other.outcomes[key] = (other.outcomes[key] ?? 0) + (v ?? 0);
    }
  }
  return [...named, { tenant: 'other', counts: other }];
}
