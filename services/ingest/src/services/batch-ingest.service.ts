import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  ErrorCode,
  isRequestError,
  LookalikeError,
  type BatchIngestItem,
  type BatchIngestRequest,
  type Job,
  type JobGetRequest,
  type JobRef,
  type ReindexStartRequest,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { JOB_RUNNER, type JobFailureRecord, type JobRunner, type RunningJob } from '@lookalike/messaging';
import { assertKeyInTenant, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { isVideoHead } from '@lookalike/video';
import { ImageRepository, JobRepository } from '@lookalike/persistence';
import type { IngestConfig } from '../ingest.config';
import { ReconciliationRepository } from '../repositories/reconciliation.repository';
import { ImagePipelineService } from './image-pipeline.service';
import { JobKinds, toJobMessage } from './ingest-jobs';
import { IngestService, ownerOf } from './ingest.service';
import { VideoIngestService } from './video-ingest.service';

/** Bytes read from the start of a batch item to tell a video from an image. */
const VIDEO_SNIFF_BYTES = 64 * 1024;
const IMAGE_NAME = /\.(jpe?g|png|webp|gif|tiff?|heic|heif|avif|bmp)$/i;

interface BatchPayload {
  items: BatchIngestItem[];
}

/**
 * A client mistake in one item (or a conflict with a concurrent upload of it) is reported as that
 * item's failure; anything else retries the job.
 */
function isItemError(error: unknown): error is LookalikeError {
  return isRequestError(error) || (error instanceof LookalikeError && error.code === ErrorCode.Conflict);
}

/**
 * Batch ingest and re-index as durable jobs. A batch runs in chunks; each finished chunk moves the
 * row's `done` and appends its failures in one update, so a replay after a crash starts at the
 * first unfinished chunk, and re-ingesting an item of that chunk is a no-op (same key, same row).
 */
@Injectable()
export class BatchIngestService implements OnModuleInit {
  private readonly logger = new Logger(BatchIngestService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    private readonly jobs: JobRepository,
    private readonly images: ImageRepository,
    private readonly ingest: IngestService,
    private readonly pipeline: ImagePipelineService,
    private readonly rows: ReconciliationRepository,
    private readonly videos: VideoIngestService,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
  ) {}

  onModuleInit(): void {
    this.runner.register(JobKinds.IngestBatch, (job) => this.runBatch(job), { concurrency: 2 });
    this.runner.register(JobKinds.Reindex, (job) => this.runReindex(job), { concurrency: 1 });
  }

  async submit(request: BatchIngestRequest): Promise<JobRef> {
    const owner = ownerOf(request.caller);
    if (request.items.length === 0 || request.items.length > this.config.MAX_BATCH_ITEMS) {
      throw LookalikeError.invalid(`a batch holds 1 to ${this.config.MAX_BATCH_ITEMS} items`, {
        field: 'items',
        count: request.items.length,
      });
    }
    for (const item of request.items) assertKeyInTenant(owner, item.key);
    return this.enqueue(owner, request.items);
  }

  /**
   * Queues a batch of keys already under the owner's prefix. `marker` is kept in the job's payload
   * so the submitter can find its own batches again (the sample images mark theirs).
   */
  async enqueue(
    owner: string,
    items: BatchIngestItem[],
    marker: Record<string, unknown> = {},
  ): Promise<JobRef> {
    const job = await this.runner.submit({
      ownerUserId: owner,
      kind: JobKinds.IngestBatch,
      payload: { ...marker, items: items.map((i) => ({ bucket: i.bucket, key: i.key, tags: i.tags })) },
      total: items.length,
      maxAttempts: 10,
    });
    return { jobId: job.jobId };
  }

  async getJob(request: JobGetRequest): Promise<Job> {
    const owner = ownerOf(request.caller);
    const job = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(request.jobId)
      ? await this.jobs.get(owner, request.jobId)
      : null;
    if (!job) throw LookalikeError.notFound('job', request.jobId);
    return toJobMessage(job);
  }

  async reindex(request: ReindexStartRequest): Promise<JobRef> {
    const owner = ownerOf(request.caller);
    const job = await this.runner.submit({ ownerUserId: owner, kind: JobKinds.Reindex, maxAttempts: 5 });
    return { jobId: job.jobId };
  }

  private async runBatch(running: RunningJob): Promise<Record<string, unknown>> {
    const { job } = running;
    const items = (job.payload as unknown as BatchPayload).items ?? [];
    const chunk = this.config.BATCH_CONCURRENCY;
    let created = 0;
    let duplicates = 0;
    for (let start = job.done; start < items.length; start += chunk) {
      if (running.signal.aborted) throw new LookalikeError(ErrorCode.Conflict, 'lease lost');
      const slice = items.slice(start, start + chunk);
      const failures: JobFailureRecord[] = [];
      await Promise.all(
        slice.map(async (item) => {
          try {
            const answer = await this.ingestItem(job.ownerUserId, item);
            if (answer === 'created') created += 1;
            else duplicates += 1;
          } catch (error) {
            if (!isItemError(error)) throw error;
            failures.push({ item: item.key, code: error.code, reason: error.message });
          }
        }),
      );
      await running.progress({ done: Math.min(items.length, start + chunk), failures });
    }
    this.logger.log({ jobId: job.jobId, created, duplicates }, 'batch finished');
    return { created_this_run: created, duplicates_this_run: duplicates };
  }

  private async ingestItem(owner: string, item: BatchIngestItem): Promise<string> {
    if (await this.isVideo(item.key)) {
      // A video in a batch is ingested as one (docs/video.md): its extraction is its own job.
      const answer = await this.videos.ingest({
        caller: { ownerUserId: owner, userId: owner },
        bucket: item.bucket,
        key: item.key,
        tags: item.tags ?? [],
        source: 'batch',
      });
      return answer.status;
    }
    for (;;) {
      try {
        const answer = await this.ingest.ingest({
          caller: { ownerUserId: owner, userId: owner },
          bucket: item.bucket,
          key: item.key,
          tags: item.tags ?? [],
          source: 'batch',
        });
        return answer.status;
      } catch (error) {
        // The interactive queue is full: a batch waits for room instead of failing the item.
        if (error instanceof LookalikeError && error.code === ErrorCode.Busy) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * Whether the object's first bytes open a video container (a missing object is left to ingest).
   * A key named like an image is not read twice: it goes the image way, whose own check of the
   * bytes refuses a video in disguise as an unsupported type.
   */
  private async isVideo(key: string): Promise<boolean> {
    if (IMAGE_NAME.test(key)) return false;
    const stream = await this.objects.get(key).catch(() => undefined);
    if (!stream) return false;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= VIDEO_SNIFF_BYTES) break;
      }
    } finally {
      stream.destroy();
    }
    return isVideoHead(Buffer.concat(chunks).subarray(0, VIDEO_SNIFF_BYTES));
  }

  /** Re-embeds every image of the owner with the active model (the pipeline from its hashed state). */
  private async runReindex(running: RunningJob): Promise<Record<string, unknown>> {
    const owner = running.job.ownerUserId;
    let after = '';
    let done = 0;
    let failed = 0;
    for (;;) {
      const page = await this.rows.page(owner, after, 100);
      if (page.length === 0) break;
      for (const ref of page) {
        after = ref.imageId;
        if (ref.status === 'deleting') continue;
        const image = await this.images.findById(owner, ref.imageId);
        if (!image) continue;
        try {
          await this.ingest.limiter.run(() => this.pipeline.run(image));
        } catch {
          failed += 1;
        }
        done += 1;
      }
      await running.progress({ done, total: done });
    }
    return { reindexed: done - failed, failed };
  }
}
