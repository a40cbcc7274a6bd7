import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import {
  type FeatureSource,
  LocalFeatureWorkers,
  type PairGeometry,
  StoredFeatures,
} from '@lookalike/local-features';
import { OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import type { DedupConfig } from '../dedup.config';

/**
 * Local features and pair verification for dedup: stored feature files (extracted from the
 * original when missing), verified in this process's OpenCV worker pool, verdicts cached by pair
 * (DEDUP_VERIFY_CACHE).
 */
@Injectable()
export class LocalFeaturesRepository {
  private readonly stored: StoredFeatures;

  constructor(
    @Inject(APP_CONFIG) private readonly config: DedupConfig,
    @Inject(OBJECT_STORE) objects: ObjectStore,
    workers: LocalFeatureWorkers,
  ) {
    this.stored = new StoredFeatures(objects, workers.pool, { cacheSize: config.DEDUP_VERIFY_CACHE });
  }

  get enabled(): boolean {
    return this.stored.pool !== null && this.config.DEDUP_VERIFY;
  }

  /** Each pair's geometry, null where either image has no features to give. */
  verify(pairs: ReadonlyArray<readonly [FeatureSource, FeatureSource]>): Promise<(PairGeometry | null)[]> {
    return this.stored.verify(pairs);
  }
}
