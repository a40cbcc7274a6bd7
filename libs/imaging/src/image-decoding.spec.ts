import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, type LookalikeError } from '@lookalike/contracts';
import sharp from 'sharp';
import { decodeForAnalysis } from './image-decoding';
import { DEFAULT_IMAGE_LIMITS } from './image-limits';

const BAD_INPUTS = path.resolve(__dirname, '../../../../shared/datasets/bad-inputs');
const read = (name: string) => readFileSync(path.join(BAD_INPUTS, name));

function pixel(image: { data: Buffer; width: number }, x: number, y: number, channels = 3): number[] {
  const at = (y * image.width + x) * channels;
  return [...image.data.subarray(at, at + channels)];
}

function near(actual: number[], expected: number[], tolerance = 3): boolean {
  return actual.every((value, i) => Math.abs(value - expected[i]) <= tolerance);
}

describe('decodeForAnalysis', () => {
  it('applies EXIF orientation 6: displayed size swapped, stored bottom-left pixel shown top-left', async () => {
    const bytes = read('oriented-6.jpg');
    const stored = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const decoded = await decodeForAnalysis(bytes);
    expect([stored.info.width, stored.info.height]).toEqual([300, 200]);
    expect([decoded.width, decoded.height]).toEqual([200, 300]);
    const storedBottomLeft = pixel({ data: stored.data, width: 300 }, 0, 199);
    expect(near(pixel(decoded, 0, 0), storedBottomLeft)).toBe(true);
  });

  it('converts CMYK to 3-channel sRGB', async () => {
    const decoded = await decodeForAnalysis(read('cmyk.jpg'));
    expect(decoded.channels).toBe(3);
    expect(decoded.data.length).toBe(64 * 64 * 3);
    // The file is one saturated red-magenta; a CMYK buffer read as RGB would not look like this.
    const [r, g, b] = pixel(decoded, 32, 32);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(30);
    expect(b).toBeLessThan(60);
  });

  it('uses only the first frame of an animated GIF (red; the later frames are blue and green)', async () => {
    const decoded = await decodeForAnalysis(read('animated.gif'));
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
    expect(pixel(decoded, 0, 0)).toEqual([255, 0, 0]);
  });

  it('flattens transparency on white and reduces 16-bit input to 8-bit sRGB', async () => {
    const png16 = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } },
    })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const decoded = await decodeForAnalysis(png16);
    expect(decoded.data.length).toBe(8 * 8 * 3);
    expect(pixel(decoded, 4, 4)).toEqual([255, 255, 255]);
  });

  it('fits the image inside maxSide without enlarging small ones', async () => {
    const big = await decodeForAnalysis(read('wrong-ext.png'), DEFAULT_IMAGE_LIMITS, { maxSide: 300 });
    expect([big.width, big.height]).toEqual([300, 200]);
    const small = await decodeForAnalysis(read('animated.gif'), DEFAULT_IMAGE_LIMITS, { maxSide: 300 });
    expect([small.width, small.height]).toEqual([64, 64]);
  });

  it('rejects corrupt data and over-limit images with typed errors', async () => {
    await expect(decodeForAnalysis(read('truncated.jpg'))).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { reason: 'corrupt' },
    });
    await expect(decodeForAnalysis(read('bomb-20000x20000.png'))).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { reason: 'too_many_pixels', limit: DEFAULT_IMAGE_LIMITS.maxPixels },
    });
  });

  it('gives up with decode_timeout when decoding outlives the limit', async () => {
    const slow = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const error: LookalikeError = await decodeForAnalysis(slow, {
      ...DEFAULT_IMAGE_LIMITS,
      decodeTimeoutMs: 1,
    }).then(
      () => {
        throw new Error('expected a timeout');
      },
      (rejection: LookalikeError) => rejection,
    );
    expect(error.code).toBe(ErrorCode.Unprocessable);
    expect(error.details).toEqual({ reason: 'decode_timeout', limit: 1 });
  });
});
