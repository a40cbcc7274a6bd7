import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { isLookalikeError } from '@lookalike/contracts';
import type { ObjectStore } from '@lookalike/object-store';
import { LOCAL_FEATURES_MIME, localFeaturesKey } from './feature-codec';
import type { LocalFeaturePool } from './feature-pool';
import { greyFromBytes } from './grey-image';
import type { PairGeometry } from './verify-pair';

/** What verification needs to know of a stored image. */
export interface FeatureSource {
  imageId: string;
  /** The original's object key. */
  key: string;
}

export interface StoredFeaturesOptions {
  /** Pair verdicts remembered (the least recently used forgotten first); 0 remembers none. */
  cacheSize: number;
  /**
   * Bytes of feature files kept in memory (the least recently used forgotten first); 0 or absent
   * keeps none. A file never changes under its key (an image's keys are its own and die with it),
   * so a kept file is never stale.
   */
  fileCacheBytes?: number;
}

/** Feature files are about 40-90 kB; anything far larger is not one. */
const MAX_FEATURE_BYTES = 4 << 20;
/** Verification tasks one call keeps in flight per worker thread. */
const TASKS_PER_THREAD = 4;
/** Originals read to extract features that ingest did not store. */
const MAX_ORIGINAL_BYTES = 200 << 20;

/**
 * Local features of stored images and pair verification over them: feature files from the object
 * store (ingest writes them beside the thumbnails), extracted from the original and stored when
 * missing (images ingested before local features existed, or whose extraction was skipped),
 * verified in the process's OpenCV worker pool. A bounded LRU cache remembers each pair's verdict.
 * The repositories of the services that verify (dedup, search) wrap it.
 */
export class StoredFeatures {
  private readonly logger = new Logger(StoredFeatures.name);
  private readonly verdicts?: LRUCache<string, PairGeometry>;
  /**
   * Recently read feature files by object key: the candidates of a check are mostly images checked
   * before (a copy's earlier copies), whose files were read then (each read is a head and a get of
   * the store: about 1 ms of CPU locally, an S3 GET in the distributed mode).
   */
  private readonly files?: LRUCache<string, Buffer>;
  private fileReads = { hits: 0, misses: 0 };

  constructor(
    private readonly objects: ObjectStore,
    readonly pool: LocalFeaturePool | null,
    private readonly options: StoredFeaturesOptions,
  ) {
    if (options.cacheSize > 0) this.verdicts = new LRUCache<string, PairGeometry>({ max: options.cacheSize });
    const bytes = options.fileCacheBytes ?? 0;
    if (bytes > 0) {
      this.files = new LRUCache<string, Buffer>({
        maxSize: bytes,
        sizeCalculation: (file) => Math.max(1, file.length),
        // A file larger than an eighth of the budget is read each time rather than evict many.
        maxEntrySize: Math.max(1, Math.floor(bytes / 8)),
      });
    }
  }

  /** Feature files found in memory and read from the store since the start. */
  get fileCacheStats(): { hits: number; misses: number } {
    return { ...this.fileReads };
  }

  /**
   * Verifies each pair (null where either image has no features to give), A's file read once per
   * A, the As spread over the pool's threads. Verdicts come from the cache when the pair was
   * verified before.
   */
  async verify(
    pairs: ReadonlyArray<readonly [FeatureSource, FeatureSource]>,
  ): Promise<(PairGeometry | null)[]> {
    const pool = this.pool;
    if (!pool) return pairs.map(() => null);
    const out: (PairGeometry | null)[] = pairs.map(([a, b]) => this.verdicts?.get(cacheKey(a, b)) ?? null);
    const byA = new Map<string, { a: FeatureSource; items: { b: FeatureSource; at: number }[] }>();
    pairs.forEach(([a, b], at) => {
      if (out[at]) return;
      const entry = byA.get(a.imageId) ?? { a, items: [] };
      entry.items.push({ b, at });
      byA.set(a.imageId, entry);
    });
    const files = new Map<string, Promise<Buffer | null>>();
    const file = (s: FeatureSource) => {
      let pending = files.get(s.imageId);
      if (!pending) files.set(s.imageId, (pending = this.features(s)));
      return pending;
    };
    const groups = [...byA.values()];
    const one = async ({ a, items }: (typeof groups)[number]): Promise<void> => {
      const mine = await file(a);
      if (!mine) return;
      const results = await this.against(
        mine,
        items.map((item) => item.b),
        file,
      );
      items.forEach((item, i) => {
        const result = results[i];
        if (!result) return;
        out[item.at] = result;
        this.remember(cacheKey(a, item.b), result);
      });
    };
    // One task per image A, a few per worker thread in flight: every thread busy (a sweep has
    // thousands of As), and the pool's bounded queue never overrun by one call.
    const inFlight = Math.max(1, pool.threads * TASKS_PER_THREAD);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(inFlight, groups.length) }, async () => {
        while (next < groups.length) await one(groups[next++]!);
      }),
    );
    return out;
  }

  /**
   * Features given as bytes (an image that is not stored, such as an uploaded query) against each
   * stored image; null where one has no features to give. Nothing is cached.
   */
  verifyFeatures(features: Buffer, others: readonly FeatureSource[]): Promise<(PairGeometry | null)[]> {
    if (!this.pool) return Promise.resolve(others.map(() => null));
    return this.against(features, others, (s) => this.features(s));
  }

  /** Encoded features of an image's bytes (decoded to grey here, extracted in the pool). */
  async extract(imageBytes: Buffer): Promise<Buffer> {
    if (!this.pool) throw new Error('local features are off (LOCAL_FEATURES=false)');
    return this.pool.extract(await greyFromBytes(imageBytes));
  }

  /** The image's feature file: stored, or extracted from its original now and stored. */
  async features(source: FeatureSource): Promise<Buffer | null> {
    const key = localFeaturesKey(source.key);
    const kept = this.files?.get(key);
    if (kept) {
      this.fileReads.hits += 1;
      return kept;
    }
    this.fileReads.misses += 1;
    try {
      return this.keep(key, await this.objects.getBuffer(key, { maxBytes: MAX_FEATURE_BYTES }));
    } catch (error) {
      if (!isLookalikeError(error) || error.code !== 'not_found') throw error;
    }
    try {
      const original = await this.objects.getBuffer(source.key, { maxBytes: MAX_ORIGINAL_BYTES });
      const bytes = await this.extract(original);
      await this.objects.put(key, bytes, { contentType: LOCAL_FEATURES_MIME });
      return this.keep(key, bytes);
    } catch (error) {
      this.logger.warn({ err: error, imageId: source.imageId }, 'no local features for this image');
      return null;
    }
  }

  private async against(
    mine: Buffer,
    others: readonly FeatureSource[],
    file: (s: FeatureSource) => Promise<Buffer | null>,
  ): Promise<(PairGeometry | null)[]> {
    const theirs = await Promise.all(others.map(file));
    const present = theirs.filter((o): o is Buffer => o !== null);
    const results = await this.pool!.verify(mine, present);
    let next = 0;
    return theirs.map((o) => (o === null ? null : results[next++]!));
  }

  private keep(key: string, file: Buffer): Buffer {
    this.files?.set(key, file);
    return file;
  }

  private remember(key: string, geometry: PairGeometry): void {
    this.verdicts?.set(key, geometry);
  }
}

/** Verification is directional (A's keypoints against B's): the cache keeps the direction asked. */
function cacheKey(a: FeatureSource, b: FeatureSource): string {
  return `${a.imageId}>${b.imageId}`;
}
