import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { inspectImage } from './image-inspection';
import { DEFAULT_IMAGE_LIMITS } from './image-limits';
import { ingestArtefacts } from './ingest-artefacts';
import { perceptualHashes } from './perceptual-hash';
import { analysisLuma, qualityMetrics } from './quality-metrics';
import { makeThumbnail } from './thumbnails';

const DATASETS = path.resolve(__dirname, '../../../../shared/datasets');
const IMAGES = path.join(DATASETS, 'dev-nearcopies/images');

describe('ingestArtefacts (one decode for quality and thumbnails, the pHash bit for bit)', () => {
  // Every 6th file of the set (all at most 1024 px): a spread of photos and their transformed copies.
  const files = readdirSync(IMAGES)
    .filter((name) => /\.(jpe?g|png|webp)$/i.test(name))
    .sort()
    .filter((_, i) => i % 6 === 0);

  it('hands on the luma of its decode: what analysisLuma gives, transparency flattened on white', async () => {
    const bytes = readFileSync(path.join(IMAGES, files[0]!));
    const [once, alone] = await Promise.all([ingestArtefacts(bytes), analysisLuma(bytes)]);
    expect(once.luma.width).toBe(alone.width);
    expect(once.luma.height).toBe(alone.height);
    expect(Buffer.from(once.luma.data).equals(Buffer.from(alone.data))).toBe(true);
    // Left half opaque black, right half fully transparent: black, then the white background.
    const rgba = Buffer.alloc(8 * 4 * 4);
    for (let i = 0; i < 32; i += 1) rgba[i * 4 + 3] = i % 8 < 4 ? 255 : 0;
    const png = await sharp(rgba, { raw: { width: 8, height: 4, channels: 4 } })
      .png()
      .toBuffer();
    const luma = (await ingestArtefacts(png)).luma;
    expect([luma.width, luma.height]).toEqual([8, 4]);
    expect(Array.from(luma.data.subarray(0, 8))).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);
  });

  it.each(files)('gives what the separate functions give for %s', async (name) => {
    const bytes = readFileSync(path.join(IMAGES, name));
    const [once, hashes, quality] = await Promise.all([
      ingestArtefacts(bytes),
      perceptualHashes(bytes),
      qualityMetrics(bytes),
    ]);
    expect(once.phash).toBe(hashes.phash);
    expect(once.phashVariants).toEqual(hashes.variants);
    expect(once.quality.flags).toEqual(quality.flags);
    expect(once.quality.qualityScore).toBeCloseTo(quality.qualityScore, 6);
    const [thumb256, thumb1024] = await Promise.all([makeThumbnail(bytes, 256), makeThumbnail(bytes, 1024)]);
    for (const [mine, theirs] of [
      [once.thumb256, thumb256],
      [once.thumb1024!, thumb1024],
    ] as const) {
      const [a, b] = await Promise.all([sharp(mine).metadata(), sharp(theirs).metadata()]);
      expect(a.format).toBe('webp');
      expect([a.width, a.height]).toEqual([b.width, b.height]);
    }
  });

  it.each(files)("hashes %s from the inspection's proof decode, bit for bit", async (name) => {
    const bytes = readFileSync(path.join(IMAGES, name));
    const info = await inspectImage(bytes, DEFAULT_IMAGE_LIMITS);
    const [fromGrid, decoded] = await Promise.all([
      ingestArtefacts(bytes, DEFAULT_IMAGE_LIMITS, info, { phashGrid: info.phashGrid }),
      perceptualHashes(bytes),
    ]);
    expect(fromGrid.phash).toBe(decoded.phash);
    expect(fromGrid.phashVariants).toEqual(decoded.variants);
  });

  it('decodes for the pHash when the grid it is given is not one', async () => {
    const bytes = readFileSync(path.join(IMAGES, files[1]!));
    const once = await ingestArtefacts(bytes, DEFAULT_IMAGE_LIMITS, undefined, {
      phashGrid: Buffer.alloc(10),
    });
    expect(once.phash).toBe((await perceptualHashes(bytes)).phash);
  });

  it('decodes a large photo at most at 1024 px, with the pHash of the original', async () => {
    const original = readFileSync(path.join(IMAGES, files[0]!));
    const large = await sharp(original).resize(3000, 2000, { fit: 'fill' }).jpeg({ quality: 92 }).toBuffer();
    const once = await ingestArtefacts(large);
    expect(once.phash).toBe((await perceptualHashes(large)).phash);
    const t1024 = await sharp(once.thumb1024!).metadata();
    const t256 = await sharp(once.thumb256).metadata();
    expect([t1024.width, t1024.height]).toEqual([1024, 683]);
    expect([t256.width, t256.height]).toEqual([256, 171]);
    // The size checks judge the full image, not the decoded 1024 px.
    expect(once.quality.flags).not.toContain('odd_size');
    const quality = await qualityMetrics(large);
    expect(once.quality.flags).toEqual(quality.flags);
  });

  it('gives the same artefacts when told the displayed size (no resize step), and fits a size that lied', async () => {
    for (const name of files.slice(0, 4)) {
      const bytes = readFileSync(path.join(IMAGES, name));
      const { width, height } = await inspectImage(bytes, DEFAULT_IMAGE_LIMITS);
      const [told, untold] = await Promise.all([
        ingestArtefacts(bytes, DEFAULT_IMAGE_LIMITS, { width, height }),
        ingestArtefacts(bytes),
      ]);
      expect(Buffer.from(told.luma.data).equals(Buffer.from(untold.luma.data))).toBe(true);
      expect(told.quality).toEqual(untold.quality);
      expect(told.thumb256.equals(untold.thumb256)).toBe(true);
    }
    const large = await sharp(readFileSync(path.join(IMAGES, files[0]!)))
      .resize(1500, 1000, { fit: 'fill' })
      .jpeg()
      .toBuffer();
    const lied = await ingestArtefacts(large, DEFAULT_IMAGE_LIMITS, { width: 150, height: 100 });
    expect([lied.luma.width, lied.luma.height]).toEqual([1024, 683]);
  });

  it('keeps transparency in the thumbnails and flattens it on white for the analysis', async () => {
    const png = await sharp({
      create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const once = await ingestArtefacts(png);
    expect((await sharp(once.thumb256).metadata()).hasAlpha).toBe(true);
    // Fully transparent reads as white paper, not as black.
    expect(once.quality.flags).not.toContain('dark');
    expect(once.phash).toBe((await perceptualHashes(png)).phash);
  });

  it('refuses bytes that are not an image with the typed error', async () => {
    await expect(ingestArtefacts(Buffer.from('not an image'))).rejects.toMatchObject({
      code: 'unprocessable',
    });
  });

  it('skips the 1024 px thumbnail when asked (the original serves as the preview)', async () => {
    const bytes = readFileSync(path.join(IMAGES, files[0]!));
    const once = await ingestArtefacts(bytes, undefined, undefined, { preview: false });
    expect(once.thumb1024).toBeUndefined();
    expect((await sharp(once.thumb256).metadata()).format).toBe('webp');
    expect(once.phash).toBe((await perceptualHashes(bytes)).phash);
  });
});
