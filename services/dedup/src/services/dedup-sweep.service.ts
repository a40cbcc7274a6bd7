import { Inject, Injectable, Logger } from '@nestjs/common';
import { runSweep, type SweepResult } from '../domain/dedup-sweep';
import { DedupStoreRepository } from '../repositories/dedup-store.repository';
import { ImageIndexRepository, type IndexedImage } from '../repositories/image-index.repository';
import { LocalFeaturesRepository } from '../repositories/local-features.repository';
import { DEDUP_SETTINGS, type DedupSettings } from './dedup-settings';
import { sweepVerification } from './verification';

export interface ScanProgress {
  (done: number, total: number): Promise<void>;
}

export interface ScanSummary {
  images: number;
  model: string | null;
  stats: SweepResult['stats'] | null;
  groupsCreated: number;
  groupsKept: number;
  staleDropped: number;
  /** The thresholds the sweep judged with, and the applied version among them (null: none). */
  thresholds?: { phashMax: number; cosineNear: number; cosineSimilar: number; minInliers: number };
  settingsVersion?: number | null;
  ms: number;
}

/** One full sweep of a tenant: candidates from the index, verdicts, groups saved to SQL. */
@Injectable()
export class DedupSweepService {
  private readonly logger = new Logger(DedupSweepService.name);

  constructor(
    private readonly index: ImageIndexRepository,
    private readonly store: DedupStoreRepository,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
    private readonly features: LocalFeaturesRepository,
  ) {}

  async scan(owner: string, jobId: string | null, progress?: ScanProgress): Promise<ScanSummary> {
    const started = Date.now();
    const model = await this.index.activeModel(this.settings.config.DEDUP_MODEL);
    const images = await this.index.allImages(owner);
    if (!model || images.length < 2) {
      return {
        images: images.length,
        model,
        stats: null,
        groupsCreated: 0,
        groupsKept: 0,
        staleDropped: 0,
        ms: Date.now() - started,
      };
    }
    await progress?.(0, images.length);
    const byPoint = new Map<string, IndexedImage>(images.map((im) => [im.pointId, im]));
    const pointOf = new Map(images.map((im) => [im.imageId, im.pointId]));
    const neighbours = await this.index.neighbours(owner, model, this.settings.config.DEDUP_KNN_K, byPoint);
    await progress?.(Math.floor(images.length / 2), images.length);
    const resolved = await this.settings.resolve(model, owner);
    const thresholds = resolved.thresholds;
    const result = await runSweep({
      images,
      neighbours,
      cosines: (pairs) => this.index.cosines(owner, model, pairs, (id) => pointOf.get(id)),
      thresholds,
      keepRules: this.settings.keepRules,
      notDuplicate: await this.store.notDuplicatePairs(owner),
      maxBucket: this.settings.config.DEDUP_MAX_BUCKET,
      verification: sweepVerification(
        this.features,
        owner,
        this.settings.config,
        images,
        undefined,
        thresholds.minInliers,
      ),
    });
    const quality = new Map(images.map((im) => [im.imageId, im.qualityScore]));
    let created = 0;
    const kept: string[] = [];
    for (const group of result.groups) {
      group.members.forEach((m) => (m.qualityScore = quality.get(m.imageId) ?? 0));
      const saved = await this.store.saveGroup(owner, group, jobId);
      kept.push(saved.group.groupId);
      if (saved.created) created += 1;
    }
    const staleDropped = await this.store.dropStaleOpenGroups(owner, kept);
    await progress?.(images.length, images.length);
    const summary = {
      images: images.length,
      model,
      stats: result.stats,
      groupsCreated: created,
      groupsKept: kept.length,
      staleDropped,
      thresholds: {
        phashMax: thresholds.phashMax,
        cosineNear: thresholds.cosineNear,
        cosineSimilar: thresholds.cosineSimilar,
        minInliers: thresholds.minInliers,
      },
      settingsVersion: resolved.version,
      ms: Date.now() - started,
    };
    this.logger.log(`sweep of ${owner}: ${JSON.stringify(summary)}`);
    return summary;
  }
}
