import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ErrorCode, type ImagesEmbedResponse, LookalikeError, unpackVector } from '@lookalike/contracts';
import sharp from 'sharp';

import { loadEmbeddingModels } from '../src/model/model-loader';
import type { ImageSourceRepository } from '../src/repositories/image-source.repository';
import { EmbeddingService } from '../src/services/embedding.service';
import { writeClipTestModel } from './support/clip-test-model';
import { NEAR_COPIES_DIR, cosine } from './support/near-copies';

const BAD_INPUTS = join(NEAR_COPIES_DIR, '..', 'bad-inputs');
const quiet = { log: () => undefined, warn: () => undefined };
const noObjects: ImageSourceRepository = {
  getBuffer: async (bucket, key) => {
    throw LookalikeError.notFound('object', `${bucket}/${key}`);
  },
};

const inline = (bytes: Buffer) => ({
  images: [{ bucket: '', key: '', inline: bytes }],
  withCrops: false,
  cropCount: 0,
});
const photo = (name: string): Buffer => readFileSync(join(NEAR_COPIES_DIR, 'images', name));
const bad = (name: string): Buffer => readFileSync(join(BAD_INPUTS, name));
const vectorOf = (res: ImagesEmbedResponse, i = 0): Float32Array => unpackVector(res.embeddings[i].vector);

describe('EmbeddingService with real models', () => {
  const root = mkdtempSync(join(tmpdir(), 'embedding-service-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('offline default (no CLIP files in MODEL_DIR)', () => {
    let sut: EmbeddingService;

    beforeAll(async () => {
      const models = await loadEmbeddingModels({ modelDir: join(root, 'empty'), logger: quiet });
      sut = new EmbeddingService(models, noObjects, { maxWaitMs: 2 });
    }, 60_000);
    afterAll(() => sut?.close());

    it('serves 1280-d mobilenet_global vectors with an nsfw_score, and says text is unavailable', async () => {
      const res = await sut.embedImages(inline(photo('astronaut.jpg')));
      expect(res).toMatchObject({
        modelName: 'mobilenetv2-nsfwjs',
        dim: 1280,
        vectorName: 'mobilenet_global',
      });
      expect(vectorOf(res)).toHaveLength(1280);
      expect(res.embeddings[0].nsfwScore).toBeGreaterThanOrEqual(0);
      expect(res.embeddings[0].nsfwScore).toBeLessThanOrEqual(1);
      expect(sut.modelInfo()).toMatchObject({
        name: 'mobilenetv2-nsfwjs',
        textAvailable: false,
        nsfwAvailable: true,
      });
      await expect(sut.embedText({ texts: ['an astronaut'] })).rejects.toMatchObject({
        code: ErrorCode.ModelUnavailable,
        message: expect.stringMatching(/mobilenetv2-nsfwjs.*make models/),
      });
    });

    it('embeds crops in the same space as the whole picture', async () => {
      const res = await sut.embedImages({ ...inline(photo('coffee.jpg')), withCrops: true, cropCount: 3 });
      const crops = res.embeddings[0].crops.map((c) => unpackVector(c));
      expect(crops).toHaveLength(3);
      for (const crop of crops) expect(cosine(crop, vectorOf(res))).toBeGreaterThan(0.3);
    });

    it.each([
      ['empty.jpg', ErrorCode.InvalidArgument],
      ['header-only.jpg', ErrorCode.Unprocessable],
      ['truncated.jpg', ErrorCode.Unprocessable],
      ['bad-crc.png', ErrorCode.Unprocessable],
      ['text-named.jpg', ErrorCode.UnsupportedMediaType],
      ['html-named.png', ErrorCode.UnsupportedMediaType],
      ['xxe.svg', ErrorCode.UnsupportedMediaType],
      ['bomb-20000x20000.png', ErrorCode.PayloadTooLarge],
    ])('rejects bad-inputs/%s with %s', async (file, code) => {
      await expect(sut.embedImages(inline(bad(file)))).rejects.toMatchObject({ code });
    });

    it.each(['polyglot.jpg', 'wrong-ext.png', 'animated.gif', 'cmyk.jpg', 'image.tiff', 'image.webp'])(
      'accepts bad-inputs/%s',
      async (file) => {
        const res = await sut.embedImages(inline(bad(file)));
        expect(Math.hypot(...vectorOf(res))).toBeCloseTo(1, 4);
      },
    );

    it('either rejects bitflips.jpg with a typed error or embeds it deterministically', async () => {
      const attempt = () => sut.embedImages(inline(bad('bitflips.jpg'))).catch((e: unknown) => e);
      const [first, second] = [await attempt(), await attempt()];
      if (first instanceof Error) {
        expect(first).toBeInstanceOf(LookalikeError);
        expect(second).toMatchObject({ code: (first as LookalikeError).code });
      } else {
        expect(vectorOf(second as ImagesEmbedResponse)).toEqual(vectorOf(first as ImagesEmbedResponse));
      }
    });

    it('embeds oriented-6.jpg as displayed, like the same picture stored upright', async () => {
      const oriented = bad('oriented-6.jpg');
      const upright = await sharp(oriented).autoOrient().jpeg({ quality: 95 }).toBuffer();
      const sideways = await sharp(oriented).jpeg({ quality: 95 }).toBuffer(); // orientation tag dropped
      const [a, b, c] = await Promise.all(
        [oriented, upright, sideways].map((x) => sut.embedImages(inline(x))),
      );
      expect(cosine(vectorOf(a), vectorOf(b))).toBeGreaterThan(0.98);
      expect(cosine(vectorOf(a), vectorOf(b))).toBeGreaterThan(cosine(vectorOf(a), vectorOf(c)));
    });
  });

  describe('ONNX CLIP from MODEL_DIR (generated test model)', () => {
    let sut: EmbeddingService;

    beforeAll(async () => {
      const dir = join(root, 'clip');
      writeClipTestModel(dir);
      const models = await loadEmbeddingModels({ modelDir: dir, intraOpThreads: 1, logger: quiet });
      sut = new EmbeddingService(models, noObjects, { maxWaitMs: 2 });
    }, 60_000);
    afterAll(() => sut?.close());

    it('serves clip_global image vectors, nsfw_score from MobileNetV2, and text vectors', async () => {
      const res = await sut.embedImages({
        images: [
          { bucket: '', key: '', inline: photo('chelsea.jpg') },
          { bucket: '', key: '', inline: photo('rocket.jpg') },
        ],
        withCrops: true,
        cropCount: 2,
      });
      expect(res).toMatchObject({ modelName: 'clip-test-tiny', dim: 512, vectorName: 'clip_global' });
      expect(res.embeddings).toHaveLength(2);
      expect(res.embeddings[0].crops).toHaveLength(2);
      expect(cosine(vectorOf(res, 0), vectorOf(res, 1))).toBeLessThan(0.9999);
      expect(res.embeddings.every((e) => e.nsfwScore >= 0 && e.nsfwScore <= 1)).toBe(true);

      const text = await sut.embedText({ texts: ['a photo of a cat', 'a rocket'] });
      expect(text).toMatchObject({ modelName: 'clip-test-tiny', dim: 512 });
      expect(text.vectors.map((v) => unpackVector(v).length)).toEqual([512, 512]);
      expect(sut.modelInfo()).toMatchObject({ textAvailable: true, device: 'cpu', nsfwAvailable: true });
    });
  });
});
