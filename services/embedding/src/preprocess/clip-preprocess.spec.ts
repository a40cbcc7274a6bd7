import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import sharp from 'sharp';

import { CLIP_MEAN, CLIP_STD, ClipPreprocessor, normaliseRgb, planResize } from './clip-preprocess';
import { inspectImage, sniffFormat } from './image-decode';

type Rgb = [number, number, number];

/** A picture made of solid rectangles: exact expected values need no resampling maths. */
function paint(width: number, height: number, colourAt: (x: number, y: number) => Rgb): Buffer {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colourAt(x, y), (y * width + x) * 3);
  }
  return data;
}

const png = (raw: Buffer, width: number, height: number, channels: 3 | 4 = 3): Promise<Buffer> =>
  sharp(raw, { raw: { width, height, channels } }).png().toBuffer();

/** The CLIP formula written out independently: (v / 255 - mean) / std. */
const expected = (rgb: Rgb): number[] => rgb.map((v, c) => (v / 255 - CLIP_MEAN[c]) / CLIP_STD[c]);

/** NCHW value at (channel, x, y) of a 224 tensor. */
const at = (t: Float32Array, c: number, x: number, y: number): number => t[c * 224 * 224 + y * 224 + x];

const RED: Rgb = [220, 30, 40];
const BLUE: Rgb = [20, 60, 200];

describe('planResize', () => {
  it('scales the shortest side to 224 and truncates the other like torchvision', () => {
    expect(planResize(640, 480, 224, 'crop')).toEqual({ width: 298, height: 224, left: 37, top: 0 });
    expect(planResize(480, 640, 224, 'crop')).toEqual({ width: 224, height: 298, left: 0, top: 37 });
  });

  it('rounds half-pixel crop offsets to even like Python', () => {
    // (225 - 224) / 2 = 0.5 -> 0 and (227 - 224) / 2 = 1.5 -> 2
    expect(planResize(225, 224, 224, 'crop').left).toBe(0);
    expect(planResize(227, 224, 224, 'crop').left).toBe(2);
  });

  it('fits the long side for pad and ignores aspect for squash', () => {
    expect(planResize(800, 400, 224, 'pad')).toEqual({ width: 224, height: 112, left: 0, top: 0 });
    expect(planResize(800, 400, 224, 'squash')).toEqual({ width: 224, height: 224, left: 0, top: 0 });
  });
});

describe('normaliseRgb', () => {
  const rgb = Uint8Array.from({ length: 12 }, (_, i) => i * 20); // 2x2 pixels, channel c of pixel p = (3p + c) * 20
  const unit = { size: 2, mean: [0, 0, 0], std: [1, 1, 1] };

  it('writes channel planes for NCHW and interleaved pixels for NHWC', () => {
    const nchw = normaliseRgb(rgb, { ...unit, layout: 'nchw' });
    const nhwc = normaliseRgb(rgb, { ...unit, layout: 'nhwc' });
    for (let p = 0; p < 4; p++) {
      for (let c = 0; c < 3; c++) {
        expect(nchw[c * 4 + p]).toBeCloseTo(((3 * p + c) * 20) / 255, 6);
        expect(nhwc[p * 3 + c]).toBeCloseTo(((3 * p + c) * 20) / 255, 6);
      }
    }
  });

  it('subtracts the mean and divides by the std per channel', () => {
    const t = normaliseRgb(rgb, { size: 2, mean: [0.5, 0.25, 0], std: [0.5, 2, 0.1], layout: 'nchw' });
    expect(t[0]).toBeCloseTo((0 / 255 - 0.5) / 0.5, 6);
    expect(t[4 + 1]).toBeCloseTo((80 / 255 - 0.25) / 2, 6);
    expect(t[8 + 3]).toBeCloseTo(220 / 255 / 0.1, 5);
  });

  it('refuses pixels of the wrong size', () => {
    expect(() => normaliseRgb(rgb.subarray(3), { ...unit, layout: 'nchw' })).toThrow(RangeError);
  });
});

describe('ClipPreprocessor', () => {
  const sut = new ClipPreprocessor();

  const run = async (bytes: Buffer, pre = sut): Promise<Float32Array> =>
    pre.preprocess(bytes, await inspectImage(bytes));

  it('turns a solid colour into the CLIP-normalised constant in every pixel', async () => {
    const colour: Rgb = [200, 100, 50];
    const t = await run(
      await png(
        paint(300, 500, () => colour),
        300,
        500,
      ),
    );
    expect(t).toHaveLength(3 * 224 * 224);
    const want = expected(colour);
    for (let c = 0; c < 3; c++) {
      for (const [x, y] of [
        [0, 0],
        [111, 111],
        [223, 223],
      ]) {
        expect(at(t, c, x, y)).toBeCloseTo(want[c], 5);
      }
    }
  });

  it('keeps the centre square of a wide picture (left and right quarters cut off)', async () => {
    // 448x224 needs no resampling: the centre crop is columns 112..335, red up to 223, blue after.
    const t = await run(
      await png(
        paint(448, 224, (x) => (x < 224 ? RED : BLUE)),
        448,
        224,
      ),
    );
    for (let c = 0; c < 3; c++) {
      expect(at(t, c, 0, 10)).toBeCloseTo(expected(RED)[c], 5);
      expect(at(t, c, 111, 200)).toBeCloseTo(expected(RED)[c], 5);
      expect(at(t, c, 112, 10)).toBeCloseTo(expected(BLUE)[c], 5);
      expect(at(t, c, 223, 200)).toBeCloseTo(expected(BLUE)[c], 5);
    }
  });

  it('keeps the whole picture with mean-coloured bars in pad mode', async () => {
    const pad = new ClipPreprocessor({ mode: 'pad' });
    const t = await run(
      await png(
        paint(448, 224, (x) => (x < 224 ? RED : BLUE)),
        448,
        224,
      ),
      pad,
    );
    // 448x224 becomes 224x112 with 56-row bars above and below.
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(at(t, c, 100, 10))).toBeLessThan(0.01);
      expect(Math.abs(at(t, c, 100, 215))).toBeLessThan(0.01);
      expect(at(t, c, 20, 112)).toBeCloseTo(expected(RED)[c], 2);
      expect(at(t, c, 200, 112)).toBeCloseTo(expected(BLUE)[c], 2);
    }
  });

  it('applies the EXIF orientation before cropping', async () => {
    // Stored 448x224 red|blue with orientation 6 (rotate 90 clockwise): displayed 224x448, red on top.
    const jpeg = await sharp(
      paint(448, 224, (x) => (x < 224 ? RED : BLUE)),
      {
        raw: { width: 448, height: 224, channels: 3 },
      },
    )
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const header = await inspectImage(jpeg);
    expect(header).toMatchObject({ format: 'jpeg', width: 224, height: 448 });
    const t = await sut.preprocess(jpeg, header);
    for (let c = 0; c < 3; c++) {
      expect(at(t, c, 100, 50)).toBeCloseTo(expected(RED)[c], 1);
      expect(at(t, c, 100, 170)).toBeCloseTo(expected(BLUE)[c], 1);
    }
  });

  it('flattens transparency onto white', async () => {
    const rgba = Buffer.alloc(224 * 224 * 4);
    for (let p = 0; p < 224 * 224; p++) rgba.set(p < 224 * 112 ? [0, 0, 0, 0] : [0, 0, 0, 255], p * 4);
    const t = await run(await png(rgba, 224, 224, 4));
    for (let c = 0; c < 3; c++) {
      expect(at(t, c, 50, 20)).toBeCloseTo(expected([255, 255, 255])[c], 5);
      expect(at(t, c, 50, 200)).toBeCloseTo(expected([0, 0, 0])[c], 5);
    }
  });

  it('expands grayscale to three equal RGB channels', async () => {
    const gray = await sharp(Buffer.alloc(256 * 256, 128), { raw: { width: 256, height: 256, channels: 1 } })
      .png()
      .toBuffer();
    const t = await run(gray);
    for (let c = 0; c < 3; c++) expect(at(t, c, 5, 5)).toBeCloseTo(expected([128, 128, 128])[c], 5);
  });

  it('embeds a region of the displayed picture when one is given', async () => {
    const bytes = await png(
      paint(448, 224, (x) => (x < 224 ? RED : BLUE)),
      448,
      224,
    );
    const header = await inspectImage(bytes);
    const t = await sut.preprocess(bytes, header, { left: 300, top: 0, width: 148, height: 224 });
    for (let c = 0; c < 3; c++) expect(at(t, c, 10, 10)).toBeCloseTo(expected(BLUE)[c], 5);
  });

  it('writes into a slot of a batch tensor', async () => {
    const bytes = await png(
      paint(224, 224, () => RED),
      224,
      224,
    );
    const batch = new Float32Array(2 * sut.tensorLength);
    await sut.preprocess(bytes, await inspectImage(bytes), undefined, batch, sut.tensorLength);
    expect(batch[0]).toBe(0);
    expect(batch[sut.tensorLength]).toBeCloseTo(expected(RED)[0], 5);
  });
});

describe('inspectImage', () => {
  const code = async (bytes: Uint8Array): Promise<string | undefined> =>
    inspectImage(bytes).then(
      () => undefined,
      (error: unknown) => (error instanceof LookalikeError ? error.code : 'untyped'),
    );

  it('rejects empty, unknown and corrupt bytes with typed errors', async () => {
    expect(await code(new Uint8Array())).toBe(ErrorCode.InvalidArgument);
    expect(await code(Buffer.from('hello, I am text'))).toBe(ErrorCode.UnsupportedMediaType);
    expect(await code(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe(
      ErrorCode.UnsupportedMediaType,
    );
    expect(await code(Buffer.from([0xff, 0xd8]))).toBe(ErrorCode.Unprocessable);
  });

  it('rejects too many pixels from the header alone', async () => {
    const big = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expect(
      inspectImage(big, { maxPixels: 4_000_000, maxInputBytes: 1e9, timeoutSeconds: 5 }),
    ).rejects.toMatchObject({
      code: ErrorCode.PayloadTooLarge,
      details: { width: 3000, height: 3000 },
    });
  });

  it('decides the type from the bytes', () => {
    expect(sniffFormat(Buffer.from('GIF89a....'))).toBe('gif');
    expect(sniffFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(sniffFormat(Buffer.from('%PDF-1.7'))).toBeUndefined();
  });
});
