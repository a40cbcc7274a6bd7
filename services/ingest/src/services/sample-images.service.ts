import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ErrorCode,
  LookalikeError,
  type BatchIngestItem,
  type JobRef,
  type SamplesLoadRequest,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { generateObjectKey, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { ImageRepository, JobRepository } from '@lookalike/persistence';
import type { IngestConfig } from '../ingest.config';
import { SampleImagesRepository } from '../repositories/sample-images.repository';
import { BatchIngestService } from './batch-ingest.service';
import { JobKinds } from './ingest-jobs';
import { ownerOf } from './ingest.service';

/** Every sample image carries this tag, so a user can find (or bulk-remove) them later. */
export const SAMPLE_TAG = 'sample';

/** The payload marker of a batch that loads the samples. */
const SAMPLES_MARKER = { samples: true } as const;

/**
 * Loads the bundled sample images into an empty library: each file is put under the owner's prefix
 * and the keys go to a batch ingest job, which the caller follows like any other job. The embedded
 * host's first-start seed of the tenant `demo` takes the same path.
 */
@Injectable()
export class SampleImagesService {
  private readonly logger = new Logger(SampleImagesService.name);
  /** One load at a time per owner in this process, so a double click queues one job. */
  private readonly loading = new Map<string, Promise<JobRef>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    private readonly samples: SampleImagesRepository,
    private readonly images: ImageRepository,
    private readonly jobs: JobRepository,
    private readonly batches: BatchIngestService,
  ) {}

  async load(request: SamplesLoadRequest): Promise<JobRef> {
    const owner = ownerOf(request.caller);
    const under = this.loading.get(owner);
    if (under) return under;
    const started = this.start(owner).finally(() => this.loading.delete(owner));
    this.loading.set(owner, started);
    return started;
  }

  private async start(owner: string): Promise<JobRef> {
    const files = await this.samples.list();
    if (files.length === 0) {
      throw new LookalikeError(
        ErrorCode.NotImplemented,
        this.samples.dir
          ? 'The sample images are missing on this server (its SAMPLES_DIR holds no images)'
          : 'This server has no sample images (SAMPLES_DIR is not set on the ingest service)',
        { details: { reason: 'samples_unavailable' } },
      );
    }
    const running = await this.runningLoad(owner);
    if (running) return running;
    const existing = await this.images.list(owner, { limit: 1 });
    if (existing.items.length > 0) {
      throw new LookalikeError(
        ErrorCode.Conflict,
        'Your library already has images; the sample images load only into an empty library',
        { details: { reason: 'library_not_empty' } },
      );
    }
    const items: BatchIngestItem[] = [];
    for (const file of files) {
      const bytes = await this.samples.read(file.name);
      if (bytes.length > this.config.MAX_IMAGE_BYTES) continue;
      const extension = file.name.slice(file.name.lastIndexOf('.') + 1).toLowerCase();
      const key = generateObjectKey(owner, extension);
      await this.objects.put(key, bytes, {
        contentType: file.contentType,
        maxBytes: this.config.MAX_IMAGE_BYTES,
      });
      items.push({ bucket: this.objects.bucket, key, tags: [SAMPLE_TAG] });
    }
    const job = await this.batches.enqueue(owner, items, SAMPLES_MARKER);
    this.logger.log({ owner, jobId: job.jobId, images: items.length }, 'loading the sample images');
    return job;
  }

  /** A samples batch of this owner still queued or running (another process may have started it). */
  private async runningLoad(owner: string): Promise<JobRef | undefined> {
    for (const state of ['running', 'queued'] as const) {
      const page = await this.jobs.list(owner, { kind: JobKinds.IngestBatch, state, limit: 20 });
      const found = page.items.find((job) => job.payload?.samples === true);
      if (found) return { jobId: found.jobId };
    }
    return undefined;
  }
}
