import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import { isLookalikeError } from '@lookalike/contracts';
import {
  greyFromBytes,
  LOCAL_FEATURES_MIME,
  LocalFeatureWorkers,
  localFeaturesKey,
  type PairGeometry,
} from '@lookalike/local-features';
import { OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import type { DedupConfig } from '../dedup.config';

/** What verification needs to know of an image. */
export interface FeatureSource {
  imageId: string;
  /** The original's object key. */
  key: string;
}

/** Feature files are about 40-90 kB; anything far larger is not one. */
const MAX_FEATURE_BYTES = 4 << 20;
/** Originals read to extract features that ingest did not store. */
const MAX_ORIGINAL_BYTES = 200 << 20;

/**
 * Local features and pair verification for dedup: feature files from the object store (ingest
 * writes them beside the thumbnails), extracted from the original and stored when missing (images
 * ingested before local features existed, or whose extraction was skipped), verified in this
 * process's OpenCV worker pool. A bounded in-process cache remembers each pair's verdict.
 */
@Injectable()
export class LocalFeaturesRepository {
  private readonly logger = new Logger(LocalFeaturesRepository.name);
  private readonly cache = new Map<string, PairGeometry>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: DedupConfig,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    private readonly workers: LocalFeatureWorkers,
  ) {}

  get enabled(): boolean {
    return this.workers.pool !== null && this.config.DEDUP_VERIFY;
  }

  /**
   * Verifies each pair (null where either image has no features to give), A's file read once per
   * A. Verdicts come from the cache when the pair was verified before.
   */
  async verify(
    pairs: ReadonlyArray<readonly [FeatureSource, FeatureSource]>,
  ): Promise<(PairGeometry | null)[]> {
    const pool = this.workers.pool;
    if (!pool) return pairs.map(() => null);
    const out: (PairGeometry | null)[] = pairs.map(([a, b]) => this.cache.get(cacheKey(a, b)) ?? null);
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
    for (const { a, items } of byA.values()) {
      const mine = await file(a);
      if (!mine) continue;
      const others = await Promise.all(items.map((item) => file(item.b)));
      const present = items.filter((_, i) => others[i] !== null);
      const results = await pool.verify(
        mine,
        others.filter((o): o is Buffer => o !== null),
      );
      present.forEach((item, i) => {
        out[item.at] = results[i]!;
        this.remember(cacheKey(a, item.b), results[i]!);
      });
    }
    return out;
  }

  /** The image's feature file: stored, or extracted from its original now and stored. */
  private async features(source: FeatureSource): Promise<Buffer | null> {
    const key = localFeaturesKey(source.key);
    try {
      return await this.objects.getBuffer(key, { maxBytes: MAX_FEATURE_BYTES });
    } catch (error) {
      if (!isLookalikeError(error) || error.code !== 'not_found') throw error;
    }
    try {
      const original = await this.objects.getBuffer(source.key, { maxBytes: MAX_ORIGINAL_BYTES });
      const bytes = await this.workers.pool!.extract(await greyFromBytes(original));
      await this.objects.put(key, bytes, { contentType: LOCAL_FEATURES_MIME });
      return bytes;
    } catch (error) {
      this.logger.warn({ err: error, imageId: source.imageId }, 'no local features for this image');
      return null;
    }
  }

  private remember(key: string, geometry: PairGeometry): void {
    const limit = this.config.DEDUP_VERIFY_CACHE;
    if (limit === 0) return;
    if (this.cache.size >= limit) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, geometry);
  }
}

/** Verification is directional (A's keypoints against B's): the cache keeps the direction asked. */
function cacheKey(a: FeatureSource, b: FeatureSource): string {
  return `${a.imageId}>${b.imageId}`;
}
