import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '@lookalike/config';
import {
  featureSignature,
  type FeatureSource,
  LocalFeatureWorkers,
  type PairGeometry,
  reverseGeometry,
  StoredFeatures,
} from '@lookalike/local-features';
import { OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { DATA_SOURCE, orderedPair, PairVerificationRepository } from '@lookalike/persistence';
import type { DedupConfig } from '../dedup.config';
import { featureFileReadsCounter } from '../metrics/dedup.metrics';

/**
 * Names what made a stored verification: the features' options and the rule's version. Change the
 * version with the rule, and every pair is verified afresh (a row of another method is a miss).
 */
export const VERIFICATION_METHOD = `orb-${featureSignature()}-r1`;

/** A verdict to store: the pair, smaller id first, and the evidence from it to the other. */
export interface PendingVerification {
  imageA: string;
  imageB: string;
  verified: boolean;
  geometry: PairGeometry;
}

export interface VerifyOptions {
  /**
   * Look the pairs up in SQL first (default). The upload check turns it off: the new image's
   * pairs were never verified (a replayed check verifies them again, at some CPU).
   */
  lookup?: boolean;
  /** Collect the new verdicts here instead of storing them now (`save` stores them in one go). */
  pending?: PendingVerification[];
}

/** An unverified pair keeps its outcome and counts, not its points (most candidate pairs fail). */
function compact(g: PairGeometry): PairGeometry {
  return g.verified ? g : { ...g, homography: null, regionA: null, regionB: null, points: [] };
}

/**
 * Local features and pair verification for dedup: stored feature files (extracted from the
 * original when missing), verified in this process's OpenCV worker pool. Each pair is verified
 * once: its verdict is kept in SQL (`pair_verifications`, both run modes), and recent ones in
 * memory (DEDUP_VERIFY_CACHE); recently read feature files are kept too (DEDUP_FEATURE_CACHE_MB).
 */
@Injectable()
export class LocalFeaturesRepository {
  private readonly stored: StoredFeatures;
  private readonly verifications: PairVerificationRepository;

  constructor(
    @Inject(APP_CONFIG) private readonly config: DedupConfig,
    @Inject(OBJECT_STORE) objects: ObjectStore,
    @Inject(DATA_SOURCE) dataSource: DataSource,
    workers: LocalFeatureWorkers,
  ) {
    this.stored = new StoredFeatures(objects, workers.pool, {
      cacheSize: config.DEDUP_VERIFY_CACHE,
      fileCacheBytes: config.DEDUP_FEATURE_CACHE_MB * 1024 * 1024,
    });
    featureFileReadsCounter(() => this.stored.fileCacheStats);
    this.verifications = new PairVerificationRepository(dataSource);
  }

  get enabled(): boolean {
    return this.stored.pool !== null && this.config.DEDUP_VERIFY;
  }

  /**
   * The geometry (first image to second) of those of these pairs verified as copies before, by
   * this method; null for the rest. Nothing is matched.
   */
  async knownVerified(
    owner: string,
    pairs: ReadonlyArray<readonly [string, string]>,
  ): Promise<(PairGeometry | null)[]> {
    if (pairs.length === 0) return [];
    const ordered = pairs.map(([a, b]) => orderedPair(a, b));
    const rows = await this.verifications.find<PairGeometry>(owner, VERIFICATION_METHOD, ordered);
    const verified = new Map(
      rows.filter((r) => r.verified).map((r) => [`${r.imageA}:${r.imageB}`, r.geometry]),
    );
    return pairs.map(([a, b], i) => {
      const g = verified.get(`${ordered[i]![0]}:${ordered[i]![1]}`);
      if (!g) return null;
      return a < b ? g : reverseGeometry(g);
    });
  }

  /**
   * The stored verdicts (by this method) among these pairs, keyed `imageA:imageB` with imageA <
   * imageB: whether the pair was verified and with how many inliers. Nothing is matched.
   */
  async storedVerdicts(
    owner: string,
    pairs: ReadonlyArray<readonly [string, string]>,
  ): Promise<Map<string, { verified: boolean; inliers: number }>> {
    if (pairs.length === 0) return new Map();
    const rows = await this.verifications.find<PairGeometry>(
      owner,
      VERIFICATION_METHOD,
      pairs.map(([a, b]) => orderedPair(a, b)),
    );
    return new Map(
      rows.map((r) => [
        `${r.imageA}:${r.imageB}`,
        { verified: r.verified, inliers: r.geometry?.inliers ?? 0 },
      ]),
    );
  }

  /**
   * Each pair's geometry (from its first image to its second), null where either image has no
   * features to give. Pairs verified before, by this method, are read from SQL; the rest are
   * verified and stored. Unverified pairs come back compact (outcome and counts, no points).
   */
  async verify(
    owner: string,
    pairs: ReadonlyArray<readonly [FeatureSource, FeatureSource]>,
    options: VerifyOptions = {},
  ): Promise<(PairGeometry | null)[]> {
    const ordered = pairs.map(([a, b]) => orderedPair(a.imageId, b.imageId));
    const known = new Map<string, PairGeometry>();
    const stored =
      options.lookup === false
        ? []
        : await this.verifications.find<PairGeometry>(owner, VERIFICATION_METHOD, ordered);
    for (const row of stored) known.set(`${row.imageA}:${row.imageB}`, row.geometry);
    const out: (PairGeometry | null)[] = pairs.map(([a, b], i) => {
      const g = known.get(`${ordered[i]![0]}:${ordered[i]![1]}`);
      if (!g) return null;
      return a.imageId < b.imageId ? g : reverseGeometry(g);
    });
    const missing = pairs.map((_, i) => i).filter((i) => out[i] === null);
    if (missing.length === 0) return out;
    const fresh = await this.stored.verify(missing.map((i) => pairs[i]!));
    const rows: PendingVerification[] = [];
    missing.forEach((i, x) => {
      const g = fresh[x];
      if (!g) return;
      const result = compact(g);
      out[i] = result;
      const [a] = pairs[i]!;
      const [imageA, imageB] = ordered[i]!;
      // Stored from the smaller id to the larger.
      const geometry = a.imageId === imageA ? result : reverseGeometry(result);
      rows.push({ imageA, imageB, verified: result.verified, geometry });
    });
    if (options.pending) options.pending.push(...rows);
    else await this.verifications.save(owner, VERIFICATION_METHOD, rows);
    return out;
  }

  /** Stores verdicts `verify` left pending, in one statement. */
  async save(owner: string, rows: readonly PendingVerification[]): Promise<void> {
    if (rows.length > 0) await this.verifications.save(owner, VERIFICATION_METHOD, rows);
  }
}
