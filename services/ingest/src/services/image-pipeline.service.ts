import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NearDuplicate } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import {
  hammingHex,
  type ImageLimits,
  makeThumbnail,
  perceptualHash,
  phashChunks,
  qualityMetrics,
  THUMBNAIL_MIME,
} from '@lookalike/imaging';
import { derivedObjectKey, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { ImageRepository, type ImageEntity } from '@lookalike/persistence';
import {
  cropsVectorName,
  DEFAULT_HNSW,
  DEFAULT_PAYLOAD_INDEXES,
  pointIdFor,
  VECTOR_STORE,
  type VectorStore,
} from '@lookalike/vector-store';
import type { IngestConfig } from '../ingest.config';
import { EmbeddingRepository, type ImageVectors } from '../repositories/embedding.repository';
import { QualityLoopRepository } from '../repositories/quality-loop.repository';
import { payloadOf } from './image-payload';

export interface PipelineResult {
  image: ImageEntity;
  nearDuplicates: NearDuplicate[];
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
 * crash: hashes + quality + thumbnails (row -> hashed), embeddings, near-duplicate report, vector
 * upsert under the deterministic point id, row -> indexed.
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
    private readonly qualityLoop: QualityLoopRepository,
  ) {}

  /** Runs the pipeline from wherever the row is; `bytes` is read from the store when absent. */
  async run(start: ImageEntity, bytes?: Buffer): Promise<PipelineResult> {
    let image = start;
    const owner = image.ownerUserId;
    try {
      if (image.status === 'stored' || image.status === 'failed' || !image.phash) {
        const data =
          bytes ?? (await this.objects.getBuffer(image.key, { maxBytes: this.config.MAX_IMAGE_BYTES }));
        image = await this.analyse(image, data);
      }
      const vectors = await this.embedding.embedImage(
        { bucket: image.bucket, key: image.key },
        { enabled: this.config.ENABLE_CROPS, count: this.config.CROP_COUNT },
      );
      await this.ensureCollection(vectors);
      const nearDuplicates = await this.nearDuplicates(image, vectors);
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
      image = await this.images.transition(owner, image.imageId, 'indexed', indexedPatch);
      this.qualityLoop.imageIndexed(owner, image.imageId);
      return { image, nearDuplicates };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.images
        .transition(owner, image.imageId, 'failed', { error: message.slice(0, 2000) })
        .catch((cause: unknown) =>
          this.logger.warn({ cause, imageId: image.imageId }, 'could not mark image failed'),
        );
      throw error;
    }
  }

  private async analyse(image: ImageEntity, bytes: Buffer): Promise<ImageEntity> {
    const limits = imageLimits(this.config);
    const [phash, quality, thumb256, thumb1024] = await Promise.all([
      perceptualHash(bytes, limits),
      qualityMetrics(bytes, limits),
      makeThumbnail(bytes, 256, limits),
      makeThumbnail(bytes, 1024, limits),
    ]);
    const thumb256Key = derivedObjectKey(image.key, 'thumb256', 'webp');
    const thumb1024Key = derivedObjectKey(image.key, 'thumb1024', 'webp');
    await Promise.all([
      this.objects.put(thumb256Key, thumb256, { contentType: THUMBNAIL_MIME }),
      this.objects.put(thumb1024Key, thumb1024, { contentType: THUMBNAIL_MIME }),
    ]);
    const { flags, qualityScore, ...metrics } = quality;
    const numeric: Record<string, number> = {};
    for (const [name, value] of Object.entries(metrics)) {
      if (typeof value === 'number' && Number.isFinite(value)) numeric[name] = value;
    }
    return this.images.transition(image.ownerUserId, image.imageId, 'hashed', {
      phash,
      qualityScore,
      qualityFlags: [...flags],
      qualityMetrics: numeric,
      thumb256Key,
      thumb1024Key,
    });
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

  /**
   * Images of the owner already in the collection that look like this one: candidates by pHash
   * chunk (Hamming, exact for distance <= 3 and usually beyond) and by vector similarity,
   * each scored on both measures and tiered exact / near / similar.
   */
  async nearDuplicates(image: ImageEntity, vectors: ImageVectors): Promise<NearDuplicate[]> {
    const limit = this.config.DEDUP_REPORT_LIMIT;
    if (limit === 0 || !image.phash) return [];
    const owner = image.ownerUserId;
    const selfId = pointIdFor(owner, image.sha256);
    const query = normalise(vectors.global);
    const [byVector, byHash] = await Promise.all([
      this.vectors.search(owner, {
        vectorName: vectors.vectorName,
        vector: query,
        limit: limit + 1,
        scoreThreshold: this.config.DEDUP_SIMILAR_COSINE,
      }),
      this.vectors.scroll(owner, { filter: { phashChunks: phashChunks(image.phash) }, limit: 64 }),
    ]);
    const candidates = new Map<string, { imageId: string; phash: string; cosine?: number }>();
    for (const hit of byVector) {
      if (hit.id === selfId || !hit.payload) continue;
      candidates.set(hit.id, { imageId: hit.payload.imageId, phash: hit.payload.phash, cosine: hit.score });
    }
    const needCosine: string[] = [];
    for (const point of byHash.points) {
      if (point.id === selfId || candidates.has(point.id)) continue;
      if (hammingHex(image.phash, point.payload.phash) > this.config.DEDUP_PHASH_MAX) continue;
      candidates.set(point.id, { imageId: point.payload.imageId, phash: point.payload.phash });
      needCosine.push(point.id);
    }
    if (needCosine.length > 0) {
      const stored = await this.vectors.get(owner, needCosine, { withVectors: [vectors.vectorName] });
      for (const point of stored) {
        const vector = point.vectors?.[vectors.vectorName];
        const entry = candidates.get(point.id);
        if (vector && entry) entry.cosine = dot(query, normalise(vector));
      }
    }
    const report: NearDuplicate[] = [];
    for (const candidate of candidates.values()) {
      const hamming = candidate.phash ? hammingHex(image.phash, candidate.phash) : 64;
      const cosine = candidate.cosine ?? 0;
      const kind = this.tier(hamming, cosine);
      if (kind) report.push({ imageId: candidate.imageId, kind, hamming, cosine });
    }
    const order = { exact: 0, near: 1, similar: 2 } as Record<string, number>;
    report.sort((a, b) => order[a.kind] - order[b.kind] || b.cosine - a.cosine || a.hamming - b.hamming);
    return report.slice(0, limit);
  }

  private tier(hamming: number, cosine: number): 'exact' | 'near' | 'similar' | undefined {
    const c = this.config;
    if (hamming === 0 && cosine >= c.DEDUP_EXACT_COSINE) return 'exact';
    if (hamming <= c.DEDUP_PHASH_MAX || cosine >= c.DEDUP_NEAR_COSINE) return 'near';
    if (cosine >= c.DEDUP_SIMILAR_COSINE) return 'similar';
    return undefined;
  }
}

function normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum) || 1;
  return vector.map((v) => v / norm);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) sum += a[i] * b[i];
  return sum;
}
