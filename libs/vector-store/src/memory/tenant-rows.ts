import type { NormalizedFilter } from '../filter/vector-filter';
import type { StoredPayload } from '../core/payload.codec';
import { pointIdFor } from '../core/point-id';

const SHA256_RE = /^[0-9a-f]{64}$/;

/** A point as the in-memory engines hold it. */
export interface MemoryPoint {
  id: string;
  payload: StoredPayload;
  /** `created_at` as epoch ms, parsed once. */
  createdMs: number;
  vectors: Map<string, Float32Array>;
  multivectors: Map<string, Float32Array[]>;
}

/**
 * One tenant's points with the lookups a filter can start from instead of a scan: image id,
 * pHash chunk (point ids and sha256 map to a point id directly). These play the part of the
 * engines' payload indexes, so a dedup or anomaly call that names its images costs what it
 * touches, not the tenant's size.
 */
export class TenantRows {
  readonly points = new Map<string, MemoryPoint>();
  private readonly byImage = new Map<string, string>();
  private readonly byChunk = new Map<string, Set<string>>();

  constructor(readonly owner: string) {}

  get size(): number {
    return this.points.size;
  }

  put(point: MemoryPoint): MemoryPoint | undefined {
    const previous = this.points.get(point.id);
    if (previous) this.unindex(previous);
    this.points.set(point.id, point);
    this.byImage.set(point.payload.image_id, point.id);
    for (const chunk of point.payload.phash_chunks) {
      let ids = this.byChunk.get(chunk);
      if (!ids) this.byChunk.set(chunk, (ids = new Set()));
      ids.add(point.id);
    }
    return previous;
  }

  remove(id: string): MemoryPoint | undefined {
    const point = this.points.get(id);
    if (!point) return undefined;
    this.unindex(point);
    this.points.delete(id);
    return point;
  }

  private unindex(point: MemoryPoint): void {
    if (this.byImage.get(point.payload.image_id) === point.id) this.byImage.delete(point.payload.image_id);
    for (const chunk of point.payload.phash_chunks) {
      const ids = this.byChunk.get(chunk);
      ids?.delete(point.id);
      if (ids?.size === 0) this.byChunk.delete(chunk);
    }
  }

  /**
   * The points a filter can match, from its narrowest lookup (ids, sha256, image ids, pHash
   * chunks), or undefined when only a scan of the tenant can tell. Callers still apply the
   * whole filter to what comes back.
   */
  seed(filter: NormalizedFilter): MemoryPoint[] | undefined {
    const lookups: string[][] = [];
    if (filter.ids.length > 0) lookups.push(filter.ids);
    if (filter.sha256 !== undefined)
      lookups.push(SHA256_RE.test(filter.sha256) ? [pointIdFor(this.owner, filter.sha256)] : []);
    if (filter.imageIds.length > 0)
      lookups.push(filter.imageIds.flatMap((image) => this.byImage.get(image) ?? []));
    if (filter.phashChunks.length > 0) {
      const ids = new Set<string>();
      for (const chunk of filter.phashChunks) for (const id of this.byChunk.get(chunk) ?? []) ids.add(id);
      lookups.push([...ids]);
    }
    if (lookups.length === 0) return undefined;
    const narrowest = lookups.reduce((a, b) => (b.length < a.length ? b : a));
    return [...new Set(narrowest)].flatMap((id) => this.points.get(id) ?? []);
  }
}
