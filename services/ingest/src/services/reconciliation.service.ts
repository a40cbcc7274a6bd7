import { localFeaturesKey } from '@lookalike/local-features';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import { JOB_RUNNER, type JobRunner } from '@lookalike/messaging';
import { OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { ImageRepository, VideoRepository } from '@lookalike/persistence';
import { pointIdFor, VECTOR_STORE, type VectorStore } from '@lookalike/vector-store';
import type { IngestConfig } from '../ingest.config';
import { ReconciliationRepository, type ImageRef } from '../repositories/reconciliation.repository';
import { ImagePipelineService } from './image-pipeline.service';
import { VideoIngestService } from './video-ingest.service';
import { ImagesService } from './images.service';
import { JobKinds, SYSTEM_OWNER } from './ingest-jobs';

export interface ReconcileReport {
  owners: number;
  rows: number;
  /** Rows left mid-pipeline (or failed) that were replayed to indexed. */
  replayed: number;
  /** Indexed rows whose vector was missing, re-embedded. */
  revectored: number;
  /** Deletions interrupted part-way, finished. */
  purged: number;
  /** Vectors with no row, deleted. */
  orphanVectors: number;
  /** Objects with neither row nor pending upload, deleted. */
  orphanObjects: number;
  /** Replays that failed again (left for the next pass, listed in the log). */
  failures: number;
}

const PAGE = 200;

/**
 * Keeps SQL, the vector index and the object store in agreement: rows without vectors are replayed,
 * vectors without rows and old objects without rows are deleted, interrupted deletions finished.
 * Runs as a job at start-up and periodically; every repair is idempotent.
 */
@Injectable()
export class ReconciliationService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconciliationService.name);
  private timer?: NodeJS.Timeout;
  /** Rows this process did not touch were last updated before it started. */
  private readonly startedAt = Date.now();

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @Inject(VECTOR_STORE) private readonly vectors: VectorStore,
    private readonly images: ImageRepository,
    private readonly rows: ReconciliationRepository,
    private readonly pipeline: ImagePipelineService,
    private readonly imagesService: ImagesService,
    private readonly videos: VideoRepository,
    private readonly videoIngest: VideoIngestService,
  ) {}

  onModuleInit(): void {
    this.runner.register(
      JobKinds.Reconcile,
      async ({ job }) => ({ ...(await this.reconcile({ startup: job.payload.startup === true })) }),
      { concurrency: 1 },
    );
  }

  onApplicationBootstrap(): void {
    void this.schedule({ startup: true });
    const every = this.config.RECONCILE_INTERVAL_SECONDS;
    if (every > 0) {
      this.timer = setInterval(() => void this.schedule(), every * 1000);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async schedule(payload: { startup?: boolean } = {}): Promise<void> {
    try {
      await this.runner.submit({
        ownerUserId: SYSTEM_OWNER,
        kind: JobKinds.Reconcile,
        maxAttempts: 3,
        payload,
      });
    } catch (error) {
      this.logger.warn({ error }, 'could not queue reconciliation');
    }
  }

  /**
   * One pass over every tenant. A row left mid-pipeline is replayed once it has not moved for
   * RECONCILE_STALE_SECONDS (another ingest replica may still be working on it). The start-up pass
   * of the embedded stack, the only ingest on its data (one process per data folder), replays at
   * once every row last updated before this process started: uploads a kill -9 cut off are indexed
   * at restart instead of one interval later.
   */
  async reconcile(options: { startup?: boolean } = {}): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      owners: 0,
      rows: 0,
      replayed: 0,
      revectored: 0,
      purged: 0,
      orphanVectors: 0,
      orphanObjects: 0,
      failures: 0,
    };
    for (const owner of await this.rows.owners()) {
      report.owners += 1;
      await this.reconcileOwner(owner, report, options.startup === true);
    }
    const changed =
      report.replayed + report.revectored + report.purged + report.orphanVectors + report.orphanObjects;
    this.logger.log(
      { ...report },
      changed > 0 || report.failures > 0 ? 'reconciliation repaired' : 'reconciliation clean',
    );
    return report;
  }

  private async reconcileOwner(owner: string, report: ReconcileReport, startup: boolean): Promise<void> {
    const staleBefore =
      startup && this.config.TRANSPORT === 'local'
        ? Math.max(this.startedAt, Date.now() - this.config.RECONCILE_STALE_SECONDS * 1000)
        : Date.now() - this.config.RECONCILE_STALE_SECONDS * 1000;
    const keys = new Set<string>();
    const points = new Set<string>();
    const indexed: ImageRef[] = [];
    let after = '';
    for (;;) {
      const page = await this.rows.page(owner, after, PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1].imageId;
      for (const ref of page) {
        report.rows += 1;
        for (const key of [ref.key, ref.thumb256Key, ref.thumb1024Key, ref.key && localFeaturesKey(ref.key)])
          if (key) keys.add(key);
        points.add(pointIdFor(owner, ref.sha256));
        if (ref.status === 'indexed') indexed.push(ref);
        else await this.repairRow(ref, staleBefore, report);
      }
    }

    const stored = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.vectors
        .scroll(owner, { limit: 500, cursor })
        .catch(() => ({ points: [], nextCursor: undefined }));
      const orphans = page.points.filter((p) => !points.has(p.id)).map((p) => p.id);
      for (const p of page.points) stored.add(p.id);
      if (orphans.length > 0) {
        await this.vectors.delete(owner, orphans);
        report.orphanVectors += orphans.length;
      }
      cursor = page.nextCursor;
    } while (cursor);

    for (const ref of indexed) {
      if (stored.has(pointIdFor(owner, ref.sha256))) continue;
      const image = await this.images.findById(owner, ref.imageId);
      if (!image) continue;
      try {
        await this.pipeline.run(image);
        report.revectored += 1;
      } catch (error) {
        report.failures += 1;
        this.logger.warn({ error, imageId: ref.imageId }, 'could not restore the vector of an indexed image');
      }
    }

    // A video deletion cut off part-way is finished (its frames' rows were purged above).
    for (const video of await this.videos.deleting(owner)) {
      if (video.updatedAt.getTime() > staleBefore) continue;
      try {
        await this.videoIngest.purge(video);
        report.purged += 1;
      } catch (error) {
        report.failures += 1;
        this.logger.warn({ error, videoId: video.videoId }, 'could not finish deleting a video');
      }
    }
    // A video's original belongs to its row in `videos`; its frames are image rows (above).
    for (const key of await this.videos.keys(owner)) keys.add(key);
    const orphanBefore = Date.now() - this.config.RECONCILE_ORPHAN_OBJECT_SECONDS * 1000;
    for await (const object of this.objects.list(`${owner}/`)) {
      if (keys.has(object.key) || object.lastModified.getTime() > orphanBefore) continue;
      await this.objects.delete(object.key);
      report.orphanObjects += 1;
    }
  }

  private async repairRow(ref: ImageRef, staleBefore: number, report: ReconcileReport): Promise<void> {
    const image = await this.images.findById(ref.ownerUserId, ref.imageId);
    if (!image || image.updatedAt.getTime() > staleBefore) return;
    try {
      if (image.status === 'deleting') {
        await this.imagesService.purge(image);
        report.purged += 1;
        return;
      }
      await this.pipeline.run(image);
      report.replayed += 1;
    } catch (error) {
      report.failures += 1;
      this.logger.warn({ error, imageId: ref.imageId }, 'could not replay an image');
    }
  }
}
