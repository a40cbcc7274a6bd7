import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import {
  type ImageLimits,
  ingestArtefacts,
  type LumaImage,
  originalServesAsPreview,
  THUMBNAIL_MIME,
} from '@lookalike/imaging';
import { LOCAL_FEATURES_MIME, LocalFeatureWorkers, localFeaturesKey } from '@lookalike/local-features';
import { derivedObjectKey, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { ImageRepository, type ImageEntity, type ImagePatch } from '@lookalike/persistence';
import {
  cropsVectorName,
  DEFAULT_HNSW,
  DEFAULT_PAYLOAD_INDEXES,
  VECTOR_STORE,
  type VectorStore,
} from '@lookalike/vector-store';
import type { IngestConfig } from '../ingest.config';
import { EmbeddingRepository, type ImageVectors } from '../repositories/embedding.repository';
import { payloadOf } from './image-payload';
import type { DuplicateReport } from './near-duplicate-report';
import { AnalysisWorkers } from './analysis-workers';
import { QualityLoopService } from './quality-loop.service';

export interface PipelineResult extends DuplicateReport {
  image: ImageEntity;
}

export function imageLimits(config: IngestConfig): ImageLimits {
  return {
    maxBytes: config.MAX_IMAGE_BYTES,
    maxPixels: config.MAX_IMAGE_PIXELS,
    decodeTimeoutMs: config.DECODE_TIMEOUT_MS,
  };
}

/** `clip_global` -> `clip`: the short model name the collection's named vectors use. */
export function modelShortName(vectorName: string): string {
  return vectorName.replace(/_global$/, '');
}

/**
 * The steps after an image row exists, each idempotent, so any of them can be replayed after a
 * crash: hashes + quality + thumbnails, embeddings, vector upsert under the deterministic point id,
 * row -> indexed with the analysis, then the dedup service's check of the indexed image
 * (awaited: it is the near-duplicate report) and the anomaly scoring queue (not awaited).
 */
@Injectable()
export class ImagePipelineService {
  private readonly logger = new Logger(ImagePipelineService.name);
  private readonly ensured = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @Inject(VECTOR_STORE) private readonly vectors: VectorStore,
    private readonly images: ImageRepository,
    private readonly embedding: EmbeddingRepository,
    private readonly qualityLoop: QualityLoopService,
    private readonly features: LocalFeatureWorkers,
    private readonly analysis: AnalysisWorkers,
  ) {}

  /**
   * Runs the pipeline from wherever the row is; `bytes` is read from the store when absent. With
   * `duplicateCheck: false` (video frames, whose neighbours in the same shot are look-alikes by
   * nature) the dedup service is not asked and the report says `skipped`.
   */
  async run(
    start: ImageEntity,
    bytes?: Buffer,
    options: {
      duplicateCheck?: boolean;
      /** The pHash grid of `bytes` from their inspection (`inspectImage`), so they are not decoded for it again. */
      phashGrid?: Buffer;
    } = {},
  ): Promise<PipelineResult> {
    let image = start;
    const owner = image.ownerUserId;
    // The analysis is written with the step that follows it (`indexed`, or `failed` with the
    // error): one UPDATE fewer per upload. A crash in between leaves the row `stored` without a
    // pHash, and the replay analyses again (its thumbnails land under the same keys).
    let analysed: ImagePatch = {};
    let data = bytes;
    try {
      if (image.status === 'stored' || image.status === 'failed' || !image.phash) {
        data ??= await this.objects.getBuffer(image.key, { maxBytes: this.config.MAX_IMAGE_BYTES });
        analysed = await this.analyse(image, data, bytes ? options.phashGrid : undefined);
        image = { ...image, ...analysed };
      }
      // The bytes in hand go along, so the embedding service need not read the object back.
      const vectors = await this.embedding.embedImage(
        { bucket: image.bucket, key: image.key, bytes: data },
        { enabled: this.config.ENABLE_CROPS, count: this.config.CROP_COUNT },
      );
      await this.ensureCollection(vectors);
      const indexedPatch = {
        modelName: vectors.modelName,
        modelVersion: vectors.modelVersion,
        nsfwScore: vectors.nsfwScore,
        error: null,
      };
      const payload = { ...payloadOf(image), ...indexedPatch };
      const crops = vectors.crops.length > 0 && this.config.ENABLE_CROPS;
      await this.vectors.upsert(owner, [
        {
          payload,
          vectors: { [vectors.vectorName]: vectors.global },
          ...(crops
            ? { multivectors: { [cropsVectorName(modelShortName(vectors.vectorName))]: vectors.crops } }
            : {}),
        },
      ]);
      image = await this.images.transition(owner, image.imageId, 'indexed', { ...analysed, ...indexedPatch });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.images
        .transition(owner, image.imageId, 'failed', { ...analysed, error: message.slice(0, 2000) })
        .catch((cause: unknown) =>
          this.logger.warn({ cause, imageId: image.imageId }, 'could not mark image failed'),
        );
      throw error;
    }
    this.qualityLoop.notifyAnomaly(owner, image.imageId);
    if (options.duplicateCheck === false) return { image, nearDuplicates: [], duplicateCheck: 'skipped' };
    return { image, ...(await this.duplicateReport(owner, image.imageId)) };
  }

  /**
   * The dedup service's check of an indexed image as the ingest answer reports it (busy answers
   * are waited out; see QualityLoopService).
   */
  duplicateReport(ownerUserId: string, imageId: string): Promise<DuplicateReport> {
    return this.qualityLoop.duplicateReport(ownerUserId, imageId);
  }

  /** pHash, quality and thumbnails (stored); the row's patch for them, written by the caller. */
  private async analyse(image: ImageEntity, bytes: Buffer, phashGrid?: Buffer): Promise<ImagePatch> {
    // One decode for the pHash, the quality metrics, the thumbnails and the local features. A
    // small browser-ready original is its own preview: no 1024 px thumbnail is made for it.
    const preview = !originalServesAsPreview({
      width: image.width ?? 0,
      height: image.height ?? 0,
      format: image.format ?? '',
      sizeBytes: image.sizeBytes,
    });
    const { phash, quality, thumb256, thumb1024, luma } = await ingestArtefacts(
      bytes,
      imageLimits(this.config),
      image.width && image.height ? { width: image.width, height: image.height } : undefined,
      { preview, phashGrid, analyse: this.analysis.analyse },
    );
    const thumb256Key = derivedObjectKey(image.key, 'thumb256', 'webp');
    const thumb1024Key = thumb1024 ? derivedObjectKey(image.key, 'thumb1024', 'webp') : null;
    await Promise.all([
      this.objects.put(thumb256Key, thumb256, { contentType: THUMBNAIL_MIME }),
      thumb1024Key && thumb1024
        ? this.objects.put(thumb1024Key, thumb1024, { contentType: THUMBNAIL_MIME })
        : undefined,
      this.storeFeatures(image, luma),
    ]);
    const { flags, qualityScore, ...metrics } = quality;
    const numeric: Record<string, number> = {};
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value === 'number' && Number.isFinite(value)) numeric[name] = value;
    }
    return {
      phash,
      qualityScore,
      qualityFlags: [...flags],
      qualityMetrics: numeric,
      thumb256Key,
      thumb1024Key,
    };
  }

  /**
   * The image's local features (libs/local-features, in the worker pool) beside its thumbnails,
   * for dedup's geometric verification. Best effort: without them (a full pool, an error) the
   * upload goes on, and dedup extracts them from the original when it first needs them.
   */
  private async storeFeatures(image: ImageEntity, luma: LumaImage): Promise<void> {
    const pool = this.features.pool;
    if (!pool) return;
    try {
      // The luma is not needed after this: the thread takes it rather than a copy.
      const bytes = await pool.extract(luma, undefined, { giveAway: true });
      await this.objects.put(localFeaturesKey(image.key), bytes, { contentType: LOCAL_FEATURES_MIME });
    } catch (error) {
      this.logger.warn(
        { err: error, imageId: image.imageId },
        'local features not stored; dedup will extract them',
      );
    }
  }

  private ensureCollection(vectors: ImageVectors): Promise<unknown> {
    const key = `${vectors.vectorName}:${vectors.dimension}`;
    let pending = this.ensured.get(key);
    if (!pending) {
      pending = this.vectors.ensureCollection({
        models: [
          {
            name: modelShortName(vectors.vectorName),
            version: vectors.modelVersion,
            dimension: vectors.dimension,
            crops: this.config.ENABLE_CROPS,
          },
        ],
        hnsw: DEFAULT_HNSW,
        payloadIndexes: DEFAULT_PAYLOAD_INDEXES,
        quantization: this.config.ENABLE_QUANTIZATION
          ? { kind: this.config.QUANTIZATION, rescore: true }
          : { kind: 'none' },
      });
      this.ensured.set(key, pending);
      pending.catch(() => this.ensured.delete(key));
    }
    return pending;
  }
}
