import { ErrorCode, LookalikeError, unpackVector } from '@lookalike/contracts';
import sharp from 'sharp';

import type { ImageModel, ImageModelOutput, ModelDescriptor, TextModel } from '../model/embedding-model.port';
import { type EmbeddingModels, textUnavailableReason } from '../model/model-loader';
import { ClipPreprocessor } from '../preprocess/clip-preprocess';
import type { ImageSourceRepository } from '../repositories/image-source.repository';
import { EmbeddingService, type EmbeddingServiceOptions } from './embedding.service';

const SIZE = 4;

/**
 * A model stand-in at the port edge: its vector is the mean of each normalised channel, so tests can
 * tell which pixels reached it, and it records the size of every batch it ran.
 */
class ChannelMeanModel implements ImageModel {
  readonly preprocessor = new ClipPreprocessor({
    size: SIZE,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    mode: 'squash',
  });
  readonly batches: number[] = [];
  gate: Promise<void> = Promise.resolve();

  constructor(
    readonly descriptor: ModelDescriptor,
    private readonly nsfw?: number,
  ) {}

  async run(batch: Float32Array, count: number): Promise<ImageModelOutput[]> {
    this.batches.push(count);
    await this.gate;
    const plane = SIZE * SIZE;
    return Array.from({ length: count }, (_, i) => {
      const vector = new Float32Array(3);
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < plane; p++) vector[c] += batch[i * 3 * plane + c * plane + p] / plane;
      }
      return { vector, nsfwScore: this.nsfw };
    });
  }

  async dispose(): Promise<void> {}
}

class LengthTextModel implements TextModel {
  constructor(readonly descriptor: ModelDescriptor) {}
  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => Float32Array.from([t.length, 1]));
  }
  async dispose(): Promise<void> {}
}

const clipDescriptor: ModelDescriptor = {
  name: 'clip-test',
  version: '1',
  dim: 3,
  vectorName: 'clip_global',
  device: 'cpu',
};
const mobilenetDescriptor: ModelDescriptor = {
  name: 'mobilenetv2-nsfwjs',
  version: 'nsfwjs-4.4.0',
  dim: 3,
  vectorName: 'mobilenet_global',
  device: 'cpu-wasm',
};

const solid = (r: number, g: number, b: number): Promise<Buffer> =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

class MemoryImages implements ImageSourceRepository {
  readonly objects = new Map<string, Buffer>();
  readonly reads: Array<{ key: string; maxBytes: number }> = [];
  async getBuffer(bucket: string, key: string, maxBytes: number): Promise<Buffer> {
    this.reads.push({ key: `${bucket}/${key}`, maxBytes });
    const found = this.objects.get(`${bucket}/${key}`);
    if (!found) throw LookalikeError.notFound('object', `${bucket}/${key}`);
    return found;
  }
}

const vec = (bytes: Uint8Array): number[] => Array.from(unpackVector(bytes));

describe('EmbeddingService', () => {
  let images: MemoryImages;
  let red: Buffer;
  let blue: Buffer;

  beforeAll(async () => {
    red = await solid(255, 0, 0);
    blue = await solid(0, 0, 255);
  });

  beforeEach(() => {
    images = new MemoryImages();
  });

  /** The offline configuration: one network gives vectors and nsfw_score, no text. */
  function offline(options: Partial<EmbeddingServiceOptions> = {}) {
    const model = new ChannelMeanModel(mobilenetDescriptor, 0.25);
    const models: EmbeddingModels = {
      image: model,
      nsfw: model as unknown as EmbeddingModels['nsfw'],
      textUnavailableReason: textUnavailableReason('mobilenetv2-nsfwjs', '/models/none'),
      dispose: async () => undefined,
    };
    return { model, sut: new EmbeddingService(models, images, { maxWaitMs: 2, ...options }) };
  }

  /** The CLIP configuration: CLIP vectors and text, nsfw_score from the second network. */
  function withClip(options: Partial<EmbeddingServiceOptions> = {}) {
    const clip = new ChannelMeanModel(clipDescriptor);
    const nsfw = new ChannelMeanModel(mobilenetDescriptor, 0.75);
    const models: EmbeddingModels = {
      image: clip,
      text: new LengthTextModel(clipDescriptor),
      nsfw: nsfw as unknown as EmbeddingModels['nsfw'],
      dispose: async () => undefined,
    };
    return { clip, nsfw, sut: new EmbeddingService(models, images, { maxWaitMs: 2, ...options }) };
  }

  it('embeds inline images in request order with the model that made them', async () => {
    const { sut } = offline();
    const res = await sut.embedImages({
      images: [
        { bucket: '', key: '', inline: red },
        { bucket: '', key: '', inline: blue },
      ],
      withCrops: false,
      cropCount: 0,
    });
    expect(res).toMatchObject({
      modelName: 'mobilenetv2-nsfwjs',
      modelVersion: 'nsfwjs-4.4.0',
      dim: 3,
      vectorName: 'mobilenet_global',
    });
    expect(vec(res.embeddings[0].vector)).toEqual([1, 0, 0]);
    expect(vec(res.embeddings[1].vector)).toEqual([0, 0, 1]);
    expect(res.embeddings.map((e) => e.nsfwScore)).toEqual([0.25, 0.25]);
    expect(res.embeddings[0].crops).toEqual([]);
  });

  it('reads keyed images through the image source with the byte limit', async () => {
    images.objects.set('b/u1/red.png', red);
    const { sut } = offline();
    const res = await sut.embedImages({
      images: [{ bucket: 'b', key: 'u1/red.png', inline: Buffer.alloc(0) }],
      withCrops: false,
      cropCount: 0,
    });
    expect(vec(res.embeddings[0].vector)).toEqual([1, 0, 0]);
    expect(images.reads).toEqual([{ key: 'b/u1/red.png', maxBytes: sut.options.decodeLimits.maxInputBytes }]);
  });

  it('passes a missing object on as not_found, naming the image', async () => {
    const { sut } = offline();
    await expect(
      sut.embedImages({
        images: [{ bucket: 'b', key: 'gone.png', inline: Buffer.alloc(0) }],
        withCrops: false,
        cropCount: 0,
      }),
    ).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      details: { index: 0 },
      message: expect.stringMatching(/^image 0: /),
    });
  });

  it('takes vectors from CLIP and nsfw_score from the second network when CLIP is active', async () => {
    const { sut, clip, nsfw } = withClip();
    const res = await sut.embedImages({
      images: [{ bucket: '', key: '', inline: red }],
      withCrops: false,
      cropCount: 0,
    });
    expect(res.vectorName).toBe('clip_global');
    expect(res.embeddings[0].nsfwScore).toBe(0.75);
    expect(clip.batches).toEqual([1]);
    expect(nsfw.batches).toEqual([1]);
  });

  it('embeds the crops the selector picks, each from its own region', async () => {
    const split = await sharp({
      create: { width: 200, height: 100, channels: 3, background: { r: 255, g: 0, b: 0 } },
    })
      .composite([
        {
          input: await solid(0, 0, 255).then((b) => sharp(b).resize(100, 100).toBuffer()),
          left: 100,
          top: 0,
        },
      ])
      .png()
      .toBuffer();
    const model = new ChannelMeanModel(mobilenetDescriptor, 0);
    const regions = [
      { left: 0, top: 0, width: 100, height: 100 },
      { left: 100, top: 0, width: 100, height: 100 },
      { left: 50, top: 0, width: 100, height: 100 },
    ];
    const selected: number[] = [];
    const sut = new EmbeddingService(
      { image: model, dispose: async () => undefined },
      images,
      { maxWaitMs: 2 },
      undefined,
      async (_bytes, header, count) => {
        selected.push(count);
        expect(header).toMatchObject({ width: 200, height: 100 });
        return regions.slice(0, count);
      },
    );
    const res = await sut.embedImages({
      images: [{ bucket: '', key: '', inline: split }],
      withCrops: true,
      cropCount: 2,
    });
    expect(selected).toEqual([2]);
    expect(res.embeddings[0].crops.map(vec)).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(model.batches).toEqual([3]);
  });

  it('uses the default crop count when crops are wanted without a count, and refuses too many', async () => {
    const counts: number[] = [];
    const sut = new EmbeddingService(
      { image: new ChannelMeanModel(clipDescriptor), dispose: async () => undefined },
      images,
      { maxWaitMs: 2, defaultCropCount: 3, maxCropCount: 5 },
      undefined,
      async (_b, _h, count) => {
        counts.push(count);
        return [];
      },
    );
    await sut.embedImages({ images: [{ bucket: '', key: '', inline: red }], withCrops: true, cropCount: 0 });
    expect(counts).toEqual([3]);
    await expect(
      sut.embedImages({ images: [{ bucket: '', key: '', inline: red }], withCrops: true, cropCount: 6 }),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });

  it('answers bad image bytes with a typed error naming the image, and keeps serving', async () => {
    const { sut } = offline();
    const request = (inline: Buffer) =>
      sut.embedImages({
        images: [
          { bucket: '', key: '', inline: red },
          { bucket: '', key: '', inline },
        ],
        withCrops: false,
        cropCount: 0,
      });
    await expect(request(Buffer.from('not an image at all'))).rejects.toMatchObject({
      code: ErrorCode.UnsupportedMediaType,
      details: { index: 1 },
    });
    await expect(request(Buffer.concat([red.subarray(0, 60)]))).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
    });
    expect((await request(blue)).embeddings).toHaveLength(2);
  });

  it.each([
    ['no images', { images: [] }, ErrorCode.InvalidArgument],
    [
      'a key and inline bytes',
      { images: [{ bucket: 'b', key: 'k', inline: Buffer.from([1]) }] },
      ErrorCode.InvalidArgument,
    ],
    [
      'neither key nor bytes',
      { images: [{ bucket: 'b', key: '', inline: Buffer.alloc(0) }] },
      ErrorCode.InvalidArgument,
    ],
    [
      'an oversized inline image',
      { images: [{ bucket: '', key: '', inline: Buffer.alloc(2000, 1) }] },
      ErrorCode.PayloadTooLarge,
    ],
    [
      'too many images',
      { images: Array.from({ length: 5 }, () => ({ bucket: 'b', key: 'k', inline: Buffer.alloc(0) })) },
      ErrorCode.InvalidArgument,
    ],
  ])('refuses a request with %s', async (_name, request, code) => {
    const { sut } = offline({ maxInlineBytes: 1000, maxImagesPerRequest: 4 });
    await expect(sut.embedImages({ withCrops: false, cropCount: 0, ...request })).rejects.toMatchObject({
      code,
    });
  });

  it('coalesces concurrent requests into one model batch', async () => {
    // A generous wait so slow decoding on a busy machine cannot split the batch; 3 items fill it.
    const { sut, model } = offline({ maxWaitMs: 1_000, batchSize: 3 });
    const one = (inline: Buffer) =>
      sut.embedImages({ images: [{ bucket: '', key: '', inline }], withCrops: false, cropCount: 0 });
    const results = await Promise.all([one(red), one(blue), one(red)]);
    expect(results.map((r) => vec(r.embeddings[0].vector)[0])).toEqual([1, 0, 1]);
    expect(model.batches).toEqual([3]);
    const metrics = await sut.metrics.registry.getSingleMetricAsString('lookalike_embedding_batch_size');
    expect(metrics).toMatch(/lookalike_embedding_batch_size_bucket\{le="4",queue="image"\} 1/);
  });

  it('answers busy with Retry-After when the queue is full, then recovers', async () => {
    const { sut, model } = offline({ queueMax: 2, batchSize: 1 });
    let open!: () => void;
    model.gate = new Promise((resolve) => (open = resolve));
    const one = () =>
      sut.embedImages({ images: [{ bucket: '', key: '', inline: red }], withCrops: false, cropCount: 0 });
    const first = one();
    while (model.batches.length === 0) await new Promise((r) => setTimeout(r, 5));
    // The first runs (blocked) in the model; two more fill the queue, admitted synchronously.
    const second = one();
    const third = one();
    const busy = await one().catch((e: unknown) => e);
    expect(busy).toMatchObject({ code: ErrorCode.Busy });
    expect((busy as LookalikeError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    open();
    await Promise.all([first, second, third]);
    expect((await one()).embeddings).toHaveLength(1);
    expect(await sut.metrics.registry.getSingleMetricAsString('lookalike_embedding_rejected_total')).toMatch(
      /queue="image",reason="busy"\} 1/,
    );
  });

  it('times a request out and frees its queue slots', async () => {
    const { sut, model } = offline({ requestTimeoutMs: 400, batchSize: 1 });
    let open!: () => void;
    model.gate = new Promise((resolve) => (open = resolve));
    const stuck = sut.embedImages({
      images: [{ bucket: '', key: '', inline: red }],
      withCrops: false,
      cropCount: 0,
    });
    while (model.batches.length === 0) await new Promise((r) => setTimeout(r, 5));
    const waiting = sut.embedImages({
      images: [{ bucket: '', key: '', inline: blue }],
      withCrops: false,
      cropCount: 0,
    });
    await expect(stuck).rejects.toMatchObject({ code: ErrorCode.Timeout });
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.Timeout });
    const depth = (await sut.metrics.queueDepth.get()).values.find((v) => v.labels.queue === 'image');
    expect(depth?.value).toBe(0);
    open();
    await new Promise((r) => setTimeout(r, 20));
    // The request that timed out while queued never reached the model.
    expect(model.batches).toEqual([1]);
  });

  it('answers text with model_unavailable naming the active model and how to enable CLIP', async () => {
    const { sut } = offline();
    const error = await sut.embedText({ texts: ['a cat'] }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.ModelUnavailable,
      details: { model: 'mobilenetv2-nsfwjs' },
    });
    expect((error as Error).message).toMatch(
      /mobilenetv2-nsfwjs has no text encoder.*MODEL_DIR \(\/models\/none\).*make models/,
    );
  });

  it('embeds texts with the CLIP text model and checks their bounds', async () => {
    const { sut } = withClip({ maxTextsPerRequest: 2, maxTextLength: 10 });
    const res = await sut.embedText({ texts: ['a cat', 'a dog!'] });
    expect(res).toMatchObject({ modelName: 'clip-test', modelVersion: '1', dim: 3 });
    expect(res.vectors.map(vec)).toEqual([
      [5, 1],
      [6, 1],
    ]);
    await expect(sut.embedText({ texts: [] })).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    await expect(sut.embedText({ texts: ['a', 'b', 'c'] })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(sut.embedText({ texts: ['x'.repeat(11)] })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      details: { index: 0 },
    });
  });

  it('reports the active model, text availability and queue settings', () => {
    expect(offline({ batchSize: 4, queueMax: 32 }).sut.modelInfo()).toEqual({
      name: 'mobilenetv2-nsfwjs',
      version: 'nsfwjs-4.4.0',
      dim: 3,
      textAvailable: false,
      textUnavailableReason: expect.stringMatching(/no text encoder/),
      device: 'cpu-wasm',
      vectorName: 'mobilenet_global',
      nsfwAvailable: true,
      batchSize: 4,
      queueMax: 32,
    });
    expect(withClip().sut.modelInfo()).toMatchObject({
      name: 'clip-test',
      textAvailable: true,
      textUnavailableReason: '',
    });
  });

  it('refuses work after close', async () => {
    const { sut } = offline();
    await sut.close();
    await expect(
      sut.embedImages({ images: [{ bucket: '', key: '', inline: red }], withCrops: false, cropCount: 0 }),
    ).rejects.toMatchObject({ code: ErrorCode.Unavailable });
  });
});
