import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import {
  type FeatureSource,
  LocalFeatureWorkers,
  type PairGeometry,
  StoredFeatures,
} from '@lookalike/local-features';
import { OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import type { SearchConfig } from '../search.config';

/** The geometric check of one hit against the query, as search reports it. */
export interface HitGeometry {
  verified: boolean;
  inliers: number;
  coverage: number;
  mirrored: boolean;
  /** Verified against this hit (a verified copy of the query), not the query itself. */
  via?: string;
}

/** The query image of a verification: a stored image, or the bytes of an uploaded one. */
export type VerifyQuery = { stored: FeatureSource } | { bytes: Buffer };

/**
 * Geometric verification of hits against the query image: stored feature files (extracted from
 * the original when missing), an uploaded query's features extracted on the fly, verified in this
 * process's OpenCV worker pool. Stored pairs' verdicts are cached (SEARCH_VERIFY_CACHE).
 */
@Injectable()
export class LocalFeaturesRepository {
  private readonly stored: StoredFeatures;

  constructor(
    @Inject(APP_CONFIG) config: SearchConfig,
    @Inject(OBJECT_STORE) objects: ObjectStore,
    workers: LocalFeatureWorkers,
  ) {
    this.stored = new StoredFeatures(objects, workers.pool, {
      cacheSize: config.SEARCH_VERIFY_CACHE,
      fileCacheBytes: config.SEARCH_FEATURE_CACHE_MB * 1024 * 1024,
    });
  }

  /** False when LOCAL_FEATURES is off: there is no pool to verify in. */
  get available(): boolean {
    return this.stored.pool !== null;
  }

  /**
   * The query against each candidate, null where a candidate has no features to give (all null
   * when the stored query has none). Rejects when the pool is busy or an uploaded query cannot be
   * decoded.
   */
  async verify(query: VerifyQuery, candidates: readonly FeatureSource[]): Promise<(HitGeometry | null)[]> {
    const results =
      'stored' in query
        ? await this.stored.verify(candidates.map((c) => [query.stored, c] as const))
        : await this.stored.verifyFeatures(await this.stored.extract(query.bytes), candidates);
    return results.map((r) => (r ? summary(r) : null));
  }
}

function summary(g: PairGeometry): HitGeometry {
  return { verified: g.verified, inliers: g.inliers, coverage: g.coverage, mirrored: g.mirrored };
}
