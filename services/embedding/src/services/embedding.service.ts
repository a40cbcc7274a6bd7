import {
  ErrorCode,
  type ImageEmbedding,
  type ImageSource,
  type ImagesEmbedRequest,
  type ImagesEmbedResponse,
  LookalikeError,
  MAX_INLINE_IMAGE_BYTES,
  type ModelInfoGetResponse,
  type TextEmbedRequest,
  type TextEmbedResponse,
  isLookalikeError,
  packVector,
} from '@lookalike/contracts';

import { BatchQueue, type Ticket } from '../batching/batch-queue';
import { type CropSelector, makeSalientCropSelector } from '../crops/salient-crops';
import { EmbeddingMetrics } from '../metrics/embedding.metrics';
import type { ImageModel, ImageModelOutput } from '../model/embedding-model.port';
import type { EmbeddingModels } from '../model/model-loader';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, inspectImage } from '../preprocess/image-decode';
import type { ImageSourceRepository } from '../repositories/image-source.repository';

export interface EmbeddingServiceOptions {
  /** Most items per model call (BATCH_SIZE). */
  batchSize: number;
  /** Longest a partial batch waits for more items, in ms. */
  maxWaitMs: number;
  /** Items admitted per queue before callers get `busy` (EMBED_QUEUE_MAX). */
  queueMax: number;
  /** Whole request budget: fetch, decode, queue wait and inference. */
  requestTimeoutMs: number;
  maxImagesPerRequest: number;
  maxTextsPerRequest: number;
  /** Characters per text; CLIP reads 77 tokens anyway, this bounds the tokenizer's work. */
  maxTextLength: number;
  /** Inline thumbnails travel inside the message; bigger images go through the object store. */
  maxInlineBytes: number;
  defaultCropCount: number;
  maxCropCount: number;
  decodeLimits: DecodeLimits;
}

export const DEFAULT_EMBEDDING_SERVICE_OPTIONS: EmbeddingServiceOptions = {
  batchSize: 8,
  maxWaitMs: 5,
  queueMax: 256,
  requestTimeoutMs: 30_000,
  maxImagesPerRequest: 64,
  maxTextsPerRequest: 256,
  maxTextLength: 2_000,
  maxInlineBytes: MAX_INLINE_IMAGE_BYTES,
  defaultCropCount: 4,
  maxCropCount: 7,
  decodeLimits: DEFAULT_DECODE_LIMITS,
};

/** One image's model inputs, ready for the batchers. */
interface PreparedImage {
  global: Float32Array;
  crops: Float32Array[];
  nsfw?: Float32Array;
}

/** Concatenates single-image tensors into one batch tensor for a model call. */
function batchRunner(model: ImageModel): (items: Float32Array[]) => Promise<ImageModelOutput[]> {
  return (items) => {
    const per = model.preprocessor.tensorLength;
    const batch = new Float32Array(items.length * per);
    items.forEach((tensor, i) => batch.set(tensor, i * per));
    return model.run(batch, items.length);
  };
}

/** Prefixes an error with the position of the image it is about, keeping its code. */
function forImage(index: number, error: unknown): unknown {
  if (!isLookalikeError(error)) return error;
  return new LookalikeError(error.code, `image ${index}: ${error.message}`, {
    details: { ...error.details, index },
    retryAfterSeconds: error.retryAfterSeconds,
    cause: error,
  });
}

/**
 * Images and texts to vectors with the active model, through bounded batching queues: the logic
 * behind embedding.v1.embed-images, embed-text and model-info.
 */
export class EmbeddingService {
  readonly options: EmbeddingServiceOptions;
  private readonly imageQueue: BatchQueue<Float32Array, ImageModelOutput>;
  private readonly nsfwQueue?: BatchQueue<Float32Array, ImageModelOutput>;
  private readonly textQueue?: BatchQueue<string, Float32Array>;

  constructor(
    private readonly models: EmbeddingModels,
    private readonly images: ImageSourceRepository,
    options: Partial<EmbeddingServiceOptions> = {},
    readonly metrics: EmbeddingMetrics = new EmbeddingMetrics(),
    private readonly selectCrops: CropSelector = makeSalientCropSelector(options.decodeLimits),
  ) {
    this.options = { ...DEFAULT_EMBEDDING_SERVICE_OPTIONS, ...options };
    const queue = {
      maxBatchSize: this.options.batchSize,
      maxWaitMs: this.options.maxWaitMs,
      maxQueued: this.options.queueMax,
    };
    this.imageQueue = new BatchQueue(
      batchRunner(models.image),
      { ...queue, name: 'image' },
      metrics.hooksFor('image'),
    );
    if (models.nsfw && models.nsfw !== models.image) {
      this.nsfwQueue = new BatchQueue(
        batchRunner(models.nsfw),
        { ...queue, name: 'nsfw' },
        metrics.hooksFor('nsfw'),
      );
    }
    const text = models.text;
    if (text) {
      this.textQueue = new BatchQueue(
        (texts: string[]) => text.embedTexts(texts),
        { ...queue, name: 'text' },
        metrics.hooksFor('text'),
      );
    }
  }

  async embedImages(request: ImagesEmbedRequest): Promise<ImagesEmbedResponse> {
    const started = process.hrtime.bigint();
    const sources = request.images ?? [];
    const { maxImagesPerRequest, maxCropCount, defaultCropCount } = this.options;
    if (sources.length === 0) throw LookalikeError.invalid('images must hold at least one image');
    if (sources.length > maxImagesPerRequest) {
      throw LookalikeError.invalid(
        `at most ${maxImagesPerRequest} images per request, got ${sources.length}`,
        {
          count: sources.length,
          max: maxImagesPerRequest,
        },
      );
    }
    const cropCount = request.withCrops ? request.cropCount || defaultCropCount : 0;
    if (cropCount < 0 || cropCount > maxCropCount) {
      throw LookalikeError.invalid(`crop_count must be between 1 and ${maxCropCount}, got ${cropCount}`, {
        cropCount,
        max: maxCropCount,
      });
    }
    sources.forEach((source, i) => this.checkSource(source, i));

    const tickets: Ticket<Float32Array, ImageModelOutput>[] = [];
    try {
      tickets.push(this.imageQueue.admit(sources.length * (1 + cropCount)));
      if (this.nsfwQueue) tickets.push(this.nsfwQueue.admit(sources.length));
    } catch (error) {
      tickets.forEach((t) => t.release());
      this.observe('image', started, error);
      throw error;
    }
    const [imageTicket, nsfwTicket] = tickets;
    const work = Promise.all(
      sources.map((source, i) => this.embedOne(source, i, cropCount, imageTicket, nsfwTicket)),
    );
    try {
      const embeddings = await this.withDeadline(work, 'embedding images');
      const { descriptor } = this.models.image;
      this.observe('image', started);
      return {
        embeddings,
        modelName: descriptor.name,
        modelVersion: descriptor.version,
        dim: descriptor.dim,
        vectorName: descriptor.vectorName,
      };
    } catch (error) {
      // Queued items of a failed request would be wasted model time.
      tickets.forEach((t) => t.expire(this.abandoned(error)));
      this.observe('image', started, error);
      throw error;
    } finally {
      tickets.forEach((t) => t.release());
    }
  }

  async embedText(request: TextEmbedRequest): Promise<TextEmbedResponse> {
    const started = process.hrtime.bigint();
    const texts = request.texts ?? [];
    const { maxTextsPerRequest, maxTextLength } = this.options;
    const text = this.models.text;
    if (!text || !this.textQueue) {
      const error = new LookalikeError(
        ErrorCode.ModelUnavailable,
        this.models.textUnavailableReason ??
          `the active model ${this.models.image.descriptor.name} has no text encoder`,
        { details: { model: this.models.image.descriptor.name, textAvailable: false } },
      );
      this.observe('text', started, error);
      throw error;
    }
    if (texts.length === 0) throw LookalikeError.invalid('texts must hold at least one string');
    if (texts.length > maxTextsPerRequest) {
      throw LookalikeError.invalid(`at most ${maxTextsPerRequest} texts per request, got ${texts.length}`, {
        count: texts.length,
        max: maxTextsPerRequest,
      });
    }
    const tooLong = texts.findIndex((t) => t.length > maxTextLength);
    if (tooLong >= 0) {
      throw LookalikeError.invalid(`text ${tooLong} is longer than ${maxTextLength} characters`, {
        index: tooLong,
        max: maxTextLength,
      });
    }
    let ticket: Ticket<string, Float32Array>;
    try {
      ticket = this.textQueue.admit(texts.length);
    } catch (error) {
      this.observe('text', started, error);
      throw error;
    }
    try {
      const vectors = await this.withDeadline(ticket.submit(texts), 'embedding texts');
      this.observe('text', started);
      return {
        vectors: vectors.map((v) => packVector(v)),
        modelName: text.descriptor.name,
        modelVersion: text.descriptor.version,
        dim: text.descriptor.dim,
      };
    } catch (error) {
      ticket.expire(this.abandoned(error));
      this.observe('text', started, error);
      throw error;
    }
  }

  modelInfo(): ModelInfoGetResponse {
    const { descriptor } = this.models.image;
    return {
      name: descriptor.name,
      version: descriptor.version,
      dim: descriptor.dim,
      textAvailable: this.models.text !== undefined,
      textUnavailableReason: this.models.text ? '' : (this.models.textUnavailableReason ?? ''),
      device: descriptor.device,
      vectorName: descriptor.vectorName,
      nsfwAvailable: this.models.nsfw !== undefined,
      batchSize: this.options.batchSize,
      queueMax: this.options.queueMax,
    };
  }

  /** Stops taking work, fails what waits, and frees the models. */
  async close(): Promise<void> {
    this.imageQueue.close();
    this.nsfwQueue?.close();
    this.textQueue?.close();
    await this.models.dispose();
  }

  private checkSource(source: ImageSource, index: number): void {
    const inline = source.inline?.byteLength ?? 0;
    const keyed = Boolean(source.bucket) || Boolean(source.key);
    if (inline > 0 && keyed) {
      throw LookalikeError.invalid(`image ${index}: give either bucket/key or inline bytes, not both`, {
        index,
      });
    }
    if (inline === 0 && !(source.bucket && source.key)) {
      throw LookalikeError.invalid(`image ${index}: needs a bucket and key, or inline bytes`, { index });
    }
    if (inline > this.options.maxInlineBytes) {
      throw new LookalikeError(
        ErrorCode.PayloadTooLarge,
        `image ${index}: ${inline} inline bytes exceed ${this.options.maxInlineBytes}; upload it and send its key`,
        { details: { index, bytes: inline, max: this.options.maxInlineBytes } },
      );
    }
  }

  private async embedOne(
    source: ImageSource,
    index: number,
    cropCount: number,
    imageTicket: Ticket<Float32Array, ImageModelOutput>,
    nsfwTicket: Ticket<Float32Array, ImageModelOutput> | undefined,
  ): Promise<ImageEmbedding> {
    let prepared: PreparedImage;
    try {
      prepared = await this.prepare(source, cropCount);
    } catch (error) {
      throw forImage(index, error);
    }
    const [outputs, nsfw] = await Promise.all([
      imageTicket.submit([prepared.global, ...prepared.crops]),
      prepared.nsfw && nsfwTicket ? nsfwTicket.submit([prepared.nsfw]) : Promise.resolve(undefined),
    ]);
    const [global, ...crops] = outputs;
    return {
      vector: packVector(global.vector),
      crops: crops.map((c) => packVector(c.vector)),
      nsfwScore: nsfw?.[0].nsfwScore ?? global.nsfwScore ?? 0,
    };
  }

  private async prepare(source: ImageSource, cropCount: number): Promise<PreparedImage> {
    const limits = this.options.decodeLimits;
    const bytes =
      source.inline && source.inline.byteLength > 0
        ? source.inline
        : await this.images.getBuffer(source.bucket, source.key, limits.maxInputBytes);
    const header = await inspectImage(bytes, limits);
    const image = this.models.image.preprocessor;
    const regions = cropCount > 0 ? await this.selectCrops(bytes, header, cropCount) : [];
    const [global, nsfw, ...crops] = await Promise.all([
      image.preprocess(bytes, header),
      this.nsfwQueue && this.models.nsfw
        ? this.models.nsfw.preprocessor.preprocess(bytes, header)
        : undefined,
      ...regions.slice(0, cropCount).map((region) => image.preprocess(bytes, header, region)),
    ]);
    return { global: global as Float32Array, nsfw, crops: crops as Float32Array[] };
  }

  private async withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new LookalikeError(
            ErrorCode.Timeout,
            `${what} took longer than ${this.options.requestTimeoutMs} ms`,
            {
              details: { timeoutMs: this.options.requestTimeoutMs },
              retryAfterSeconds: 1,
            },
          ),
        );
      }, this.options.requestTimeoutMs);
    });
    // The losing side of the race must not surface as an unhandled rejection.
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private abandoned(error: unknown): LookalikeError {
    return isLookalikeError(error)
      ? error
      : new LookalikeError(ErrorCode.Internal, 'the request failed', { cause: error });
  }

  private observe(kind: 'image' | 'text', started: bigint, error?: unknown): void {
    const outcome = error === undefined ? 'ok' : isLookalikeError(error) ? error.code : 'internal';
    this.metrics.requestSeconds.observe({ kind, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}
