import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '@lookalike/contracts';
import sharp from 'sharp';
import { makeThumbnail, originalServesAsPreview, type ThumbnailSize } from './thumbnails';

const DATASETS = path.resolve(__dirname, '../../../../shared/datasets');
const badInput = (name: string) => readFileSync(path.join(DATASETS, 'bad-inputs', name));

async function describeThumbnail(bytes: Buffer) {
  const metadata = await sharp(bytes).metadata();
  const { data } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { metadata, topLeft: [...data.subarray(0, 3)] };
}

describe('makeThumbnail', () => {
  it('renders oriented-6.jpg in displayed orientation at 256 px, without EXIF', async () => {
    const bytes = badInput('oriented-6.jpg');
    const { metadata, topLeft } = await describeThumbnail(await makeThumbnail(bytes, 256));
    expect(metadata).toMatchObject({ format: 'webp', width: 171, height: 256 });
    expect(metadata.orientation).toBeUndefined();
    expect(metadata.exif).toBeUndefined();
    // The displayed top-left is the stored bottom-left: warm (204,145,103), not near-black (19,12,6).
    expect(topLeft[0]).toBeGreaterThan(150);
  });

  it.each([
    [256 as ThumbnailSize, 256, 171],
    [1024 as ThumbnailSize, 600, 400],
  ])('fits a 600x400 JPEG inside %d px without enlarging it', async (size, width, height) => {
    const { metadata } = await describeThumbnail(await makeThumbnail(badInput('wrong-ext.png'), size));
    expect([metadata.width, metadata.height]).toEqual([width, height]);
  });

  it('never upscales a small image', async () => {
    const { metadata } = await describeThumbnail(await makeThumbnail(badInput('animated.gif'), 1024));
    expect([metadata.width, metadata.height]).toEqual([64, 64]);
    expect(metadata.pages).toBeUndefined();
  });

  it('converts CMYK to sRGB', async () => {
    const { metadata, topLeft } = await describeThumbnail(await makeThumbnail(badInput('cmyk.jpg'), 256));
    expect(metadata.space).toBe('srgb');
    expect(metadata.channels).toBe(3);
    expect(topLeft[0]).toBeGreaterThan(200);
  });

  it('keeps transparency', async () => {
    const png = await sharp({
      create: { width: 20, height: 10, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const { metadata } = await describeThumbnail(await makeThumbnail(png, 256));
    expect(metadata.hasAlpha).toBe(true);
  });

  it('accepts only the two thumbnail sizes', async () => {
    await expect(makeThumbnail(badInput('cmyk.jpg'), 300 as ThumbnailSize)).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
  });

  it('refuses a pixel bomb with a typed error', async () => {
    await expect(makeThumbnail(badInput('bomb-20000x20000.png'), 256)).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { reason: 'too_many_pixels' },
    });
  });
});

describe('originalServesAsPreview', () => {
  const small = { width: 1024, height: 683, format: 'jpeg', sizeBytes: 90_000 };

  it('takes a small JPEG, PNG or WebP as its own preview', () => {
    for (const format of ['jpeg', 'png', 'webp'])
      expect(originalServesAsPreview({ ...small, format })).toBe(true);
    expect(originalServesAsPreview({ ...small, width: 1280, height: 1280 })).toBe(true);
  });

  it('wants a thumbnail for a large, heavy, unknown-size or not browser-ready image', () => {
    expect(originalServesAsPreview({ ...small, width: 1281 })).toBe(false);
    expect(originalServesAsPreview({ ...small, height: 4000 })).toBe(false);
    expect(originalServesAsPreview({ ...small, sizeBytes: 2_000_000 })).toBe(false);
    expect(originalServesAsPreview({ ...small, sizeBytes: 0 })).toBe(false);
    for (const format of ['heif', 'tiff', 'gif', 'avif', '']) {
      expect(originalServesAsPreview({ ...small, format })).toBe(false);
    }
  });
});
