import sharp from 'sharp';

import { inspectImage } from '../preprocess/image-decode';
import { makeSalientCropSelector } from './salient-crops';

describe('makeSalientCropSelector', () => {
  const sut = makeSalientCropSelector();

  /** Flat grey 400x300 with a busy, colourful patch in the bottom-right corner. */
  async function pictureWithDetailAt(left: number, top: number): Promise<Buffer> {
    const patch = Buffer.alloc(80 * 80 * 3);
    for (let i = 0; i < patch.length; i++) patch[i] = (i * 7919) % 251;
    return sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .composite([{ input: patch, raw: { width: 80, height: 80, channels: 3 }, left, top }])
      .png()
      .toBuffer();
  }

  it('puts the first (saliency) window over the detail of the picture', async () => {
    const bytes = await pictureWithDetailAt(300, 200);
    const [first] = await sut(bytes, await inspectImage(bytes), 1);
    // 60% of the 300 px shorter side; the patch spans x 300-380, y 200-280.
    expect(first.width).toBe(180);
    expect(first.left + first.width).toBeGreaterThanOrEqual(380);
    expect(first.top + first.height).toBeGreaterThanOrEqual(280);
  });

  it('returns at most the requested number of distinct square regions inside the picture', async () => {
    const bytes = await pictureWithDetailAt(10, 10);
    const header = await inspectImage(bytes);
    const regions = await sut(bytes, header, 5);
    expect(regions).toHaveLength(5);
    for (const r of regions) {
      expect(r.width).toBe(r.height);
      expect(r.left).toBeGreaterThanOrEqual(0);
      expect(r.top).toBeGreaterThanOrEqual(0);
      expect(r.left + r.width).toBeLessThanOrEqual(header.width);
      expect(r.top + r.height).toBeLessThanOrEqual(header.height);
    }
    expect(new Set(regions.map((r) => `${r.left},${r.top}`)).size).toBe(5);
    expect(await sut(bytes, header, 0)).toEqual([]);
  });
});
