import { LookalikeError, type ImageFilter } from '@lookalike/contracts';

/**
 * The one filter language of the vector index. Every present field narrows the result (AND);
 * list fields narrow only when non-empty, the way proto `repeated` fields arrive. The owner is
 * not part of it: it is the required first argument of every store call.
 */
export interface VectorFilter {
  /** At least one of these tags. */
  tagsAny?: readonly string[];
  /** Every one of these tags. */
  tagsAll?: readonly string[];
  /** ISO-8601, inclusive. */
  createdFrom?: string;
  /** ISO-8601, exclusive. */
  createdTo?: string;
  minQuality?: number;
  maxNsfw?: number;
  minAnomaly?: number;
  /** Quality flags that must all be set. */
  flagsAll?: readonly string[];
  /** Quality flags none of which may be set. */
  flagsNone?: readonly string[];
  /** upload | api | batch */
  sources?: readonly string[];
  sha256?: string;
  imageIds?: readonly string[];
  /** Point ids (from `pointIdFor`). */
  ids?: readonly string[];
  /**
   * pHash chunks as stored in `phash_chunks` (`"<position>:<4 hex>"`, see `phashChunks`);
   * a point matches when it shares ANY of them.
   */
  phashChunks?: readonly string[];
}

const PHASH_RE = /^[0-9a-f]{16}$/;
const CHUNK_RE = /^[0-3]:[0-9a-f]{4}$/;

/**
 * Splits a 64-bit pHash (16 hex digits) into 4 position-tagged chunks of 16 bits.
 * Pigeonhole: two hashes at Hamming distance d <= 3 differ in at most 3 of the 4 chunks,
 * so they share at least one chunk; candidate recall is exactly 100% up to d = 3. From d = 4
 * on, all four chunks can differ and a pair may be missed. Shared chunks are only a
 * candidate gate: the caller must still compute the exact Hamming distance.
 */
export function phashChunks(phash: string): string[] {
  const hex = phash.toLowerCase();
  if (!PHASH_RE.test(hex)) {
    throw LookalikeError.invalid('phash must be 16 hexadecimal digits', { phash });
  }
  return [0, 1, 2, 3].map((i) => `${i}:${hex.slice(i * 4, i * 4 + 4)}`);
}

/** Maps the contracts' filter (proto defaults: empty lists mean "no condition"). */
export function fromImageFilter(filter: ImageFilter | undefined): VectorFilter {
  if (!filter) return {};
  return {
    tagsAny: filter.tagsAny,
    tagsAll: filter.tagsAll,
    createdFrom: filter.createdFrom,
    createdTo: filter.createdTo,
    minQuality: filter.minQuality,
    maxNsfw: filter.maxNsfw,
    minAnomaly: filter.minAnomaly,
    flagsAll: filter.flagsAll,
    flagsNone: filter.flagsNone,
    sources: filter.sources,
    sha256: filter.sha256,
    imageIds: filter.imageIds,
  };
}

/** A filter with every value checked and normalised; adapters translate only this shape. */
export interface NormalizedFilter {
  tagsAny: string[];
  tagsAll: string[];
  /** Epoch milliseconds, inclusive. */
  createdFromMs?: number;
  /** Epoch milliseconds, exclusive. */
  createdToMs?: number;
  minQuality?: number;
  maxNsfw?: number;
  minAnomaly?: number;
  flagsAll: string[];
  flagsNone: string[];
  sources: string[];
  sha256?: string;
  imageIds: string[];
  ids: string[];
  phashChunks: string[];
}

function strings(field: string, values: readonly string[] | undefined): string[] {
  if (values === undefined) return [];
  if (!Array.isArray(values)) throw LookalikeError.invalid(`filter.${field} must be a list of strings`);
  for (const v of values) {
    if (typeof v !== 'string' || v.length === 0) {
      throw LookalikeError.invalid(`filter.${field} must hold non-empty strings`, { field });
    }
  }
  return [...new Set(values)];
}

function finite(field: string, value: number | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw LookalikeError.invalid(`filter.${field} must be a finite number`, { field });
  }
  return value;
}

function instant(field: string, value: string | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms))
    throw LookalikeError.invalid(`filter.${field} must be an ISO-8601 date-time`, { field });
  return ms;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function normalizeFilter(filter: VectorFilter | undefined): NormalizedFilter {
  const f = filter ?? {};
  const ids = strings('ids', f.ids).map((id) => id.toLowerCase());
  for (const id of ids) {
    if (!UUID_RE.test(id)) throw LookalikeError.invalid('filter.ids must hold point ids (UUIDs)', { id });
  }
  const chunks = strings('phashChunks', f.phashChunks).map((c) => c.toLowerCase());
  for (const c of chunks) {
    if (!CHUNK_RE.test(c))
      throw LookalikeError.invalid('filter.phashChunks must look like "0:ab12"', { chunk: c });
  }
  const sha256 = f.sha256 === undefined || f.sha256 === '' ? undefined : f.sha256;
  if (sha256 !== undefined && typeof sha256 !== 'string')
    throw LookalikeError.invalid('filter.sha256 must be a string');
  return {
    tagsAny: strings('tagsAny', f.tagsAny),
    tagsAll: strings('tagsAll', f.tagsAll),
    createdFromMs: instant('createdFrom', f.createdFrom),
    createdToMs: instant('createdTo', f.createdTo),
    minQuality: finite('minQuality', f.minQuality),
    maxNsfw: finite('maxNsfw', f.maxNsfw),
    minAnomaly: finite('minAnomaly', f.minAnomaly),
    flagsAll: strings('flagsAll', f.flagsAll),
    flagsNone: strings('flagsNone', f.flagsNone),
    sources: strings('sources', f.sources),
    sha256: sha256?.toLowerCase(),
    imageIds: strings('imageIds', f.imageIds),
    ids,
    phashChunks: chunks,
  };
}
