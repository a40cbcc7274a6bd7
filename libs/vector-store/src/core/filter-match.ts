import type { NormalizedFilter } from '../filter/vector-filter';
import type { StoredPayload } from './payload.codec';

/** A compiled filter: `createdMs` is the point's `created_at` as epoch ms, parsed once by the caller. */
export type PointPredicate = (id: string, p: StoredPayload, createdMs: number) => boolean;

/** True when the filter has no condition at all (only the owner narrows the call). */
export function isEmptyFilter(f: NormalizedFilter): boolean {
  return (
    f.tagsAny.length === 0 &&
    f.tagsAll.length === 0 &&
    f.createdFromMs === undefined &&
    f.createdToMs === undefined &&
    f.minQuality === undefined &&
    f.maxNsfw === undefined &&
    f.minAnomaly === undefined &&
    f.flagsAll.length === 0 &&
    f.flagsNone.length === 0 &&
    f.sources.length === 0 &&
    f.sha256 === undefined &&
    f.imageIds.length === 0 &&
    f.ids.length === 0 &&
    f.phashChunks.length === 0
  );
}

/**
 * Compiles the filter language into one closure that checks only the conditions present: the
 * reference semantics the engines' translations must match, cheap enough to run per candidate
 * inside a graph search.
 */
export function compileFilter(f: NormalizedFilter): PointPredicate {
  const checks: PointPredicate[] = [];
  const has = (list: readonly string[], v: string) => list.includes(v);
  if (f.tagsAny.length > 0) checks.push((_, p) => f.tagsAny.some((t) => has(p.tags, t)));
  if (f.tagsAll.length > 0) checks.push((_, p) => f.tagsAll.every((t) => has(p.tags, t)));
  const { createdFromMs: from, createdToMs: to, minQuality, maxNsfw, minAnomaly, sha256 } = f;
  if (from !== undefined) checks.push((_, __, created) => created >= from);
  if (to !== undefined) checks.push((_, __, created) => created < to);
  if (minQuality !== undefined) checks.push((_, p) => p.quality_score >= minQuality);
  if (maxNsfw !== undefined) checks.push((_, p) => p.nsfw_score <= maxNsfw);
  if (minAnomaly !== undefined) checks.push((_, p) => p.anomaly_score >= minAnomaly);
  if (f.flagsAll.length > 0) checks.push((_, p) => f.flagsAll.every((x) => has(p.quality_flags, x)));
  if (f.flagsNone.length > 0) checks.push((_, p) => !f.flagsNone.some((x) => has(p.quality_flags, x)));
  if (f.sources.length > 0) {
    const sources = new Set(f.sources);
    checks.push((_, p) => sources.has(p.source));
  }
  if (sha256 !== undefined) checks.push((_, p) => p.sha256 === sha256);
  if (f.imageIds.length > 0) {
    const images = new Set(f.imageIds);
    checks.push((_, p) => images.has(p.image_id));
  }
  if (f.ids.length > 0) {
    const ids = new Set(f.ids);
    checks.push((id) => ids.has(id));
  }
  if (f.phashChunks.length > 0) checks.push((_, p) => f.phashChunks.some((c) => has(p.phash_chunks, c)));
  if (checks.length === 0) return () => true;
  return (id, p, created) => {
    for (const check of checks) if (!check(id, p, created)) return false;
    return true;
  };
}

/** Evaluates the filter language in process for one point (parses `created_at` itself). */
export function matchesFilter(id: string, p: StoredPayload, f: NormalizedFilter): boolean {
  return compileFilter(f)(id, p, Date.parse(p.created_at));
}
