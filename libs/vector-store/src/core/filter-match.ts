import type { NormalizedFilter } from '../filter/vector-filter';
import type { StoredPayload } from './payload.codec';

/** Evaluates the filter language in process: the reference semantics the engines' translations must match. */
export function matchesFilter(id: string, p: StoredPayload, f: NormalizedFilter): boolean {
  const has = (list: readonly string[], v: string) => list.includes(v);
  if (f.tagsAny.length > 0 && !f.tagsAny.some((t) => has(p.tags, t))) return false;
  if (!f.tagsAll.every((t) => has(p.tags, t))) return false;
  const created = Date.parse(p.created_at);
  if (f.createdFromMs !== undefined && !(created >= f.createdFromMs)) return false;
  if (f.createdToMs !== undefined && !(created < f.createdToMs)) return false;
  if (f.minQuality !== undefined && !(p.quality_score >= f.minQuality)) return false;
  if (f.maxNsfw !== undefined && !(p.nsfw_score <= f.maxNsfw)) return false;
  if (f.minAnomaly !== undefined && !(p.anomaly_score >= f.minAnomaly)) return false;
  if (!f.flagsAll.every((flag) => has(p.quality_flags, flag))) return false;
  if (f.flagsNone.some((flag) => has(p.quality_flags, flag))) return false;
  if (f.sources.length > 0 && !has(f.sources, p.source)) return false;
  if (f.sha256 !== undefined && p.sha256 !== f.sha256) return false;
  if (f.imageIds.length > 0 && !has(f.imageIds, p.image_id)) return false;
  if (f.ids.length > 0 && !has(f.ids, id)) return false;
  if (f.phashChunks.length > 0 && !f.phashChunks.some((c) => has(p.phash_chunks, c))) return false;
  return true;
}
