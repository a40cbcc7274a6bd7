import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  ErrorCode,
  LookalikeError,
  type Caller,
  type ImageIngestRequest,
  type ImageIngestResponse,
  type ImagePresignRequest,
  type ImagePresignResponse,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { inspectImage, sha256Hex, type ImageInfo } from '@lookalike/imaging';
import { assertKeyInTenant, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { metricsRegistry, outcomeCounter } from '@lookalike/observability';
import { ImageRepository, UPLOAD_SOURCES, type ImageSource } from '@lookalike/persistence';
import { Gauge } from 'prom-client';
import type { IngestConfig } from '../ingest.config';
import { imageLimits, ImagePipelineService } from './image-pipeline.service';
import { IngestLimiter } from './ingest-limiter';
import { presignTenantUpload } from './presign-upload';
import { QualityLoopService } from './quality-loop.service';
import { IngestOutcomesService, outcomeOf } from './ingest-outcomes.service';

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tiff',
  'image/avif': 'avif',
};
const MAX_TAGS = 64;
const MAX_TAG_LENGTH = 64;

export function ownerOf(caller: Caller | undefined): string {
  const owner = caller?.ownerUserId;
  if (!owner) throw new LookalikeError(ErrorCode.Unauthenticated, 'the request carries no caller');
  return owner;
}

export function normaliseTags(tags: readonly string[]): string[] {
  const out = [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
  if (out.length > MAX_TAGS) throw LookalikeError.invalid(`at most ${MAX_TAGS} tags`, { field: 'tags' });
  const long = out.find((t) => t.length > MAX_TAG_LENGTH);
  if (long)
    throw LookalikeError.invalid(`tags are at most ${MAX_TAG_LENGTH} characters`, {
      field: 'tags',
      tag: long,
    });
  return out;
}

/** Presigned uploads and the ingest of an uploaded object: validate, dedupe, then the pipeline. */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  readonly limiter: IngestLimiter;
  private readonly outcomes = outcomeCounter(
    'lookalike_ingest_images_total',
    'Ingest requests by outcome: created, duplicate, or the error code of a rejection or failure',
    ['outcome'],
  );

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    private readonly images: ImageRepository,
    private readonly pipeline: ImagePipelineService,
    private readonly qualityLoop: QualityLoopService,
    @Optional() private readonly tenantOutcomes?: IngestOutcomesService,
  ) {
    this.limiter = new IngestLimiter(config.INGEST_CONCURRENCY, config.INGEST_QUEUE_MAX);
    const limiter = this.limiter;
    if (!metricsRegistry.getSingleMetric('lookalike_ingest_queue_depth')) {
      new Gauge({
        name: 'lookalike_ingest_queue_depth',
        help: 'Ingests waiting for a free slot in this process',
        registers: [metricsRegistry],
        collect() {
          this.set(limiter.depth);
        },
      });
    }
  }

  presign(request: ImagePresignRequest): Promise<ImagePresignResponse> {
    return presignTenantUpload(this.objects, ownerOf(request.caller), request, {
      what: 'image',
      maxBytes: this.config.MAX_IMAGE_BYTES,
      expiresInSeconds: this.config.PRESIGN_EXPIRES_SECONDS,
      extensions: EXTENSIONS,
    });
  }

  async ingest(request: ImageIngestRequest): Promise<ImageIngestResponse> {
    const owner = request.caller?.ownerUserId ?? '';
    try {
      // While the quality loop pushes back, a new ingest is refused before any work is done.
      this.qualityLoop.assertAccepting(ownerOf(request.caller));
      const answer = await this.limiter.run(() => this.ingestNow(request));
      this.outcomes.inc({ outcome: answer.status });
      this.tenantOutcomes?.record(owner, outcomeOf(answer.status));
      return answer;
    } catch (error) {
      this.outcomes.inc({ outcome: error instanceof LookalikeError ? error.code : ErrorCode.Internal });
      this.tenantOutcomes?.record(owner, outcomeOf(error));
      throw error;
    }
  }

  private async ingestNow(request: ImageIngestRequest): Promise<ImageIngestResponse> {
    const owner = ownerOf(request.caller);
    if (request.bucket && request.bucket !== this.objects.bucket) {
      throw LookalikeError.notFound('bucket', request.bucket);
    }
    assertKeyInTenant(owner, request.key);
    // `video` is the frames' own source, never a caller's.
    const source: ImageSource = (UPLOAD_SOURCES as readonly string[]).includes(request.source)
      ? (request.source as ImageSource)
      : 'api';
    const tags = normaliseTags(request.tags);

    const head = await this.objects.head(request.key);
    if (!head) throw LookalikeError.notFound('object', request.key);
    let bytes: Buffer;
    let info: ImageInfo;
    try {
      if (head.size > this.config.MAX_IMAGE_BYTES) {
        throw new LookalikeError(
          ErrorCode.PayloadTooLarge,
          `The image is ${head.size} bytes; the limit is ${this.config.MAX_IMAGE_BYTES}`,
          { details: { reason: 'too_large', limit: this.config.MAX_IMAGE_BYTES, actual: head.size } },
        );
      }
      bytes = await this.objects.getBuffer(request.key, { maxBytes: this.config.MAX_IMAGE_BYTES });
      info = await inspectImage(bytes, imageLimits(this.config));
    } catch (error) {
      if (
        error instanceof LookalikeError &&
        error.code !== ErrorCode.Unavailable &&
        error.code !== ErrorCode.NotFound
      ) {
        // A rejected file leaves nothing behind.
        await this.discard(request.key);
      }
      throw error;
    }
    const sha256 = sha256Hex(bytes);
    // Served with the type read from the bytes, never the one the uploader claimed.
    if (head.contentType !== info.mime) {
      await this.objects.put(request.key, bytes, {
        contentType: info.mime,
        maxBytes: this.config.MAX_IMAGE_BYTES,
      });
    }
    const inserted = await this.images.insertIfAbsent({
      ownerUserId: owner,
      sha256,
      bucket: this.objects.bucket,
      key: request.key,
      sizeBytes: bytes.length,
      source,
      tags,
      width: info.width,
      height: info.height,
      format: info.format,
    });
    const image = inserted.image;
    if (inserted.status === 'duplicate' && image.key !== request.key) {
      // The owner holds these bytes already: the second copy is dropped, its key answers the first.
      await this.objects.delete(request.key);
      this.logger.log({ imageId: image.imageId, key: request.key }, 'duplicate upload');
      return {
        imageId: image.imageId,
        status: 'duplicate',
        duplicateOf: image.imageId,
        nearDuplicates: [],
        duplicateCheck: 'skipped',
      };
    }
    // A replay of the same key (a client retry, a crash) answers what the first ingest answered.
    if (image.status === 'indexed' && inserted.status === 'duplicate') {
      const report = await this.pipeline.duplicateReport(owner, image.imageId);
      return { imageId: image.imageId, status: 'created', ...report };
    }
    // A first ingest, or a replay after a crash mid-pipeline: continue from the row's state.
    const { image: indexed, ...report } = await this.pipeline.run(image, bytes, {
      phashGrid: info.phashGrid,
    });
    return { imageId: indexed.imageId, status: 'created', ...report };
  }

  private async discard(key: string): Promise<void> {
    await this.objects
      .delete(key)
      .catch((cause: unknown) => this.logger.warn({ cause, key }, 'could not delete a rejected upload'));
  }
}
