import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '@lookalike/contracts';
import sharp from 'sharp';
import { intersectionOverUnion, MAX_SALIENT_CROPS, salientCrops } from './salient-crops';

const DATASETS = path.resolve(__dirname, '../../../../shared/datasets');
const image = (name: string) => readFileSync(path.join(DATASETS, 'dev-nearcopies/images', name));

describe('salientCrops', () => {
  it('returns k distinct 224 px JPEG crops, attention first, each inside the image', async () => {
    const crops = await salientCrops(image('coffee.jpg'), 5);
    expect(crops).toHaveLength(5);
    // The centre square lies too close to the attention square (IoU 0.81) to be kept.
    expect(crops.map((crop) => crop.strategy)).toEqual([
      'attention',
      'entropy',
      'detail',
      'detail',
      'detail',
    ]);
    for (const [i, a] of crops.entries()) {
      for (const b of crops.slice(i + 1))
        expect(intersectionOverUnion(a.region, b.region)).toBeLessThanOrEqual(0.8);
    }
    for (const crop of crops) {
      const metadata = await sharp(crop.data).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width: 224, height: 224 });
      const { left, top, width, height } = crop.region;
      expect(left).toBeGreaterThanOrEqual(0);
      expect(top).toBeGreaterThanOrEqual(0);
      expect(left + width).toBeLessThanOrEqual(1.0001);
      expect(top + height).toBeLessThanOrEqual(1.0001);
    }
    // A landscape 3:2 image: whole-height squares are 2/3 of the width; detail crops are smaller.
    expect(crops[0].region.height).toBeCloseTo(1, 2);
    expect(crops[0].region.width).toBeCloseTo(2 / 3, 2);
    expect(crops[2].region.height).toBeCloseTo(0.6, 2);
  });

  it('returns raw RGB crops on request', async () => {
    const [crop] = await salientCrops(image('coffee.jpg'), 1, { format: 'raw', size: 96 });
    expect(crop).toMatchObject({ format: 'raw', width: 96, height: 96 });
    expect(crop.data.length).toBe(96 * 96 * 3);
  });

  it('uses the displayed orientation', async () => {
    const bytes = readFileSync(path.join(DATASETS, 'bad-inputs/oriented-6.jpg'));
    const [attention] = await salientCrops(bytes, 1);
    // Displayed 200x300 (portrait): the whole-width square spans the full width.
    expect(attention.region.width).toBeCloseTo(1, 2);
    expect(attention.region.height).toBeCloseTo(2 / 3, 2);
  });

  it('keeps overlapping crops once: a square image has one whole-image crop', async () => {
    const crops = await salientCrops(image('astronaut.jpg'), MAX_SALIENT_CROPS);
    const whole = crops.filter((crop) => crop.region.width > 0.99 && crop.region.height > 0.99);
    expect(whole).toHaveLength(1);
    expect(crops.length).toBeLessThanOrEqual(MAX_SALIENT_CROPS);
    expect(crops.slice(1).every((crop) => crop.strategy === 'detail')).toBe(true);
  });

  it('measures overlap as intersection over union', () => {
    const whole = { left: 0, top: 0, width: 1, height: 1 };
    expect(intersectionOverUnion(whole, whole)).toBe(1);
    expect(intersectionOverUnion(whole, { left: 0, top: 0, width: 0.5, height: 1 })).toBe(0.5);
    expect(
      intersectionOverUnion(
        { left: 0, top: 0, width: 0.5, height: 1 },
        { left: 0.5, top: 0, width: 0.5, height: 1 },
      ),
    ).toBe(0);
  });

  it('rejects a k outside 1..7', async () => {
    await expect(salientCrops(image('coffee.jpg'), 0)).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(salientCrops(image('coffee.jpg'), 8)).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
  });
});
