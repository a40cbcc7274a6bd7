import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeForAnalysis } from './image-decoding';
import {
  blurEffect,
  histogramStats,
  pixelStatistics,
  QUALITY_FLAGS,
  type QualityFlag,
  type QualityMetrics,
  qualityMetrics,
  ramp,
} from './quality-metrics';
import { shadowsOf } from './pixel-sums';

const DATASET = path.resolve(__dirname, '../../../../shared/datasets/dev-nearcopies');

interface Truth {
  quality_issues: Record<string, string[]>;
}

const truth = JSON.parse(readFileSync(path.join(DATASET, 'truth.json'), 'utf8')) as Truth;
// truth.json names the aspect-ratio issue as cleanvision does.
const flagOfIssue: Record<string, QualityFlag> = { odd_aspect_ratio: 'odd_aspect' };

async function encode(image: sharp.Sharp): Promise<Buffer> {
  return image.png().toBuffer();
}

describe('qualityMetrics on ../shared/datasets/dev-nearcopies', () => {
  const files = readdirSync(path.join(DATASET, 'images')).sort();
  const results = new Map<string, QualityMetrics>();

  beforeAll(async () => {
    for (const name of files)
      results.set(name, await qualityMetrics(readFileSync(path.join(DATASET, 'images', name))));
  }, 120_000);

  function measure(flag: QualityFlag, expected: Set<string>) {
    let truePositives = 0;
    let flagged = 0;
    for (const [name, metrics] of results) {
      if (!metrics.flags.includes(flag)) continue;
      flagged += 1;
      if (expected.has(name)) truePositives += 1;
    }
    return { precision: flagged ? truePositives / flagged : 1, recall: truePositives / expected.size };
  }

  // Floors measured on this set (docs/imaging.md has the table): each flag's precision and recall.
  const floors: Record<QualityFlag, { precision: number; recall: number }> = {
    dark: { precision: 1, recall: 1 },
    overexposed: { precision: 0.8, recall: 1 },
    blurry: { precision: 0.93, recall: 0.88 },
    low_information: { precision: 1, recall: 1 },
    odd_aspect: { precision: 1, recall: 1 },
    odd_size: { precision: 1, recall: 1 },
    grayscale: { precision: 1, recall: 1 },
  };

  it('has a labelled issue list for every flag', () => {
    const labelled = Object.keys(truth.quality_issues).map((issue) => flagOfIssue[issue] ?? issue);
    expect(labelled.sort()).toEqual([...QUALITY_FLAGS].sort());
  });

  it.each(Object.entries(truth.quality_issues))(
    'flags %s with the measured precision and recall',
    (issue, names) => {
      const flag = flagOfIssue[issue] ?? (issue as QualityFlag);
      const { precision, recall } = measure(flag, new Set(names));
      expect(precision).toBeGreaterThanOrEqual(floors[flag].precision);
      expect(recall).toBeGreaterThanOrEqual(floors[flag].recall);
    },
  );

  it('scores every image flagged dark, overexposed, blurry or low_information at 0.5 or less', () => {
    const severe: QualityFlag[] = ['dark', 'overexposed', 'blurry', 'low_information'];
    for (const metrics of results.values()) {
      if (metrics.flags.some((flag) => severe.includes(flag)))
        expect(metrics.qualityScore).toBeLessThanOrEqual(0.5);
      expect(metrics.qualityScore).toBeGreaterThanOrEqual(0);
      expect(metrics.qualityScore).toBeLessThanOrEqual(1);
    }
  });

  it('scores a clean original above its blurred, dark and overexposed copies', () => {
    const score = (name: string) => results.get(name)!.qualityScore;
    expect(score('astronaut.jpg')).toBeGreaterThan(0.8);
    for (const copy of ['astronaut__blur.jpg', 'astronaut__dark.jpg', 'astronaut__overexposed.jpg']) {
      expect(score(copy)).toBeLessThan(score('astronaut.jpg') - 0.3);
    }
  });

  it('reports the displayed size and the metrics of a known image', () => {
    const chelsea = results.get('chelsea.jpg')!;
    expect(chelsea).toMatchObject({
      width: 451,
      height: 300,
      pixels: 451 * 300,
      grayscale: false,
      flags: [],
    });
    expect(chelsea.aspectRatio).toBeCloseTo(451 / 300, 5);
    expect(chelsea.brightness).toBeGreaterThan(0.4);
    expect(chelsea.brightness).toBeLessThan(0.55);
    expect(results.get('chelsea__blur.jpg')!.sharpness).toBeLessThan(chelsea.sharpness / 20);
  });
});

describe('qualityMetrics on synthetic images', () => {
  const solid = (width: number, height: number, background: string) =>
    encode(sharp({ create: { width, height, channels: 3, background } }));

  it('calls a black frame dark, not also low_information or blurry', async () => {
    const metrics = await qualityMetrics(await solid(200, 150, '#000000'));
    expect(metrics.flags).toEqual(['dark', 'grayscale']);
    expect(metrics.qualityScore).toBe(0);
  });

  it('calls a white frame overexposed', async () => {
    const metrics = await qualityMetrics(await solid(200, 150, '#ffffff'));
    expect(metrics.flags).toContain('overexposed');
    expect(metrics.clipped).toBe(1);
  });

  it('calls a flat mid-grey frame low_information', async () => {
    const metrics = await qualityMetrics(await solid(200, 150, '#7f7f7f'));
    expect(metrics.flags).toEqual(['low_information', 'grayscale']);
    expect(metrics.entropy).toBe(0);
  });

  it('flags a 4:1 strip as odd_aspect and a 40x30 image as odd_size, lowering the score', async () => {
    const noise = (width: number, height: number) =>
      encode(
        sharp({
          create: {
            width,
            height,
            channels: 3,
            background: '#000',
            noise: { type: 'gaussian', mean: 128, sigma: 50 },
          },
        }),
      );
    const strip = await qualityMetrics(await noise(400, 100));
    const tiny = await qualityMetrics(await noise(40, 30));
    const fine = await qualityMetrics(await noise(300, 200));
    expect(strip.flags).toContain('odd_aspect');
    expect(tiny.flags).toContain('odd_size');
    expect(fine.flags).not.toContain('odd_aspect');
    expect(fine.flags).not.toContain('odd_size');
    expect(strip.qualityScore).toBeLessThan(fine.qualityScore);
    expect(tiny.qualityScore).toBeLessThan(fine.qualityScore);
  });

  it('tells colour from grey', async () => {
    const grey = await encode(
      sharp({
        create: {
          width: 300,
          height: 200,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 128, sigma: 50 },
        },
      }).greyscale(),
    );
    const tinted = await sharp(grey).tint('#c04020').png().toBuffer();
    expect((await qualityMetrics(grey)).flags).toEqual(['grayscale']);
    expect((await qualityMetrics(tinted)).grayscale).toBe(false);
  });

  it('sees blur grow with the blur radius on a pattern of hard-edged blocks', async () => {
    const width = 300;
    const height = 200;
    const pixels = Buffer.alloc(width * height);
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1)
        pixels[y * width + x] = ((Math.floor(x / 20) * 7 + Math.floor(y / 20) * 13) * 37) % 256;
    }
    const blocks = await sharp(pixels, { raw: { width, height, channels: 1 } })
      .png()
      .toBuffer();
    const crisp = await qualityMetrics(blocks);
    const soft = await qualityMetrics(await sharp(blocks).blur(1).png().toBuffer());
    const blurred = await qualityMetrics(await sharp(blocks).blur(4).png().toBuffer());
    expect(crisp.flags).not.toContain('blurry');
    expect(soft.blurEffect).toBeGreaterThan(crisp.blurEffect);
    expect(blurred.blurEffect).toBeGreaterThan(soft.blurEffect);
    expect(blurred.flags).toContain('blurry');
    expect(blurred.sharpness).toBeLessThan(crisp.sharpness / 10);
  });

  it('judges the displayed orientation', async () => {
    const bytes = readFileSync(path.resolve(DATASET, '../bad-inputs/oriented-6.jpg'));
    const metrics = await qualityMetrics(bytes);
    const decoded = await decodeForAnalysis(bytes);
    expect([metrics.width, metrics.height]).toEqual([200, 300]);
    expect([decoded.width, decoded.height]).toEqual([200, 300]);
  });
});

/**
 * Crete's blur effect computed the way it is defined: an explicit box-blurred copy of each line
 * (ends repeated), then the share of neighbour differences the blur does not remove.
 */
function blurEffectByDefinition(luma: Uint8Array, width: number, height: number, kernel: number): number {
  const radius = (kernel - 1) / 2;
  const along = (lines: number, length: number, at: (line: number, k: number) => number) => {
    let variation = 0;
    let kept = 0;
    for (let line = 0; line < lines; line += 1) {
      const value = (k: number) => at(line, Math.min(length - 1, Math.max(0, k)));
      const blurred = Array.from({ length }, (_, k) => {
        let sum = 0;
        for (let j = k - radius; j <= k + radius; j += 1) sum += value(j);
        return sum / kernel;
      });
      for (let k = 1; k < length; k += 1) {
        const d = Math.abs(value(k) - value(k - 1));
        variation += d;
        kept += Math.max(0, d - Math.abs(blurred[k] - blurred[k - 1]));
      }
    }
    return variation > 0 ? 1 - kept / variation : 1;
  };
  const horizontal = along(height, width, (y, x) => luma[y * width + x]);
  const vertical = along(width, height, (x, y) => luma[y * width + x]);
  return (horizontal + vertical) / 2;
}

describe('the single-pass statistics against their definitions', () => {
  const names = readdirSync(path.join(DATASET, 'images')).sort().slice(0, 6);

  it.each(names)(
    '%s: blur effect as an explicit box blur gives it, luma stats as libvips gives them',
    async (name) => {
      const { data, info } = await sharp(readFileSync(path.join(DATASET, 'images', name)))
        .resize(300, 300, { fit: 'inside' })
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const luma = new Uint8Array(data.buffer, data.byteOffset, info.width * info.height);
      expect(blurEffect(luma, info.width, info.height, 11)).toBeCloseTo(
        blurEffectByDefinition(luma, info.width, info.height, 11),
        10,
      );
      const histogram = new Uint32Array(256);
      for (const value of luma) histogram[value] += 1;
      const ours = histogramStats(histogram);
      const libvips = await sharp(data, {
        raw: { width: info.width, height: info.height, channels: 1 },
      }).stats();
      expect(ours.mean).toBeCloseTo(libvips.channels[0].mean, 9);
      expect(ours.stdev).toBeCloseTo(libvips.channels[0].stdev, 9);
      // libvips sums the entropy in single precision.
      expect(ours.entropy).toBeCloseTo(libvips.entropy, 6);
    },
  );

  it('pixel statistics: luma, histogram and counts as the formula and plain comparisons give them', () => {
    // Every level of each channel against the others' boundary levels, then seeded random pixels.
    const edges = [0, 1, 7, 8, 12, 13, 127, 128, 249, 250, 251, 254, 255];
    const pixels: number[] = [];
    for (let v = 0; v < 256; v += 1)
      for (const e of edges) pixels.push(v, e, e, e, v, e, e, e, v, v, v, e, v, e, v, e, v, v);
    let seed = 7;
    for (let i = 0; i < 30_000; i += 1) {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      pixels.push(seed & 255, (seed >>> 8) & 255, (seed >>> 16) & 255);
    }
    const data = Uint8Array.from(pixels);
    const count = data.length / 3;
    for (const [clipLevel, shadowLevel, delta] of [
      [250, 8, 12],
      [255, 0, 0],
      [1, 255, 254],
    ]) {
      const ours = pixelStatistics(data, count, clipLevel, delta);
      const histogram = new Uint32Array(256);
      let clipped = 0;
      let shadows = 0;
      let coloured = 0;
      for (let i = 0; i < count; i += 1) {
        const [r, g, b] = [data[3 * i], data[3 * i + 1], data[3 * i + 2]];
        const y = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
        expect(ours.luma[i]).toBe(y);
        histogram[y] += 1;
        if (Math.max(r, g, b) >= clipLevel) clipped += 1;
        if (y <= shadowLevel) shadows += 1;
        if (Math.max(r, g, b) - Math.min(r, g, b) > delta) coloured += 1;
      }
      expect(ours.histogram).toEqual(histogram);
      expect({
        clipped: ours.clipped,
        shadows: shadowsOf(ours.histogram, shadowLevel),
        coloured: ours.coloured,
      }).toEqual({
        clipped,
        shadows,
        coloured,
      });
    }
  });

  it('gives 1 (nothing to lose) for a flat image and a low value for a checkerboard', () => {
    const flat = new Uint8Array(20 * 10).fill(128);
    expect(blurEffect(flat, 20, 10, 11)).toBe(1);
    const board = Uint8Array.from({ length: 32 * 32 }, (_, i) => (((i % 32) + Math.floor(i / 32)) % 2) * 255);
    expect(blurEffect(board, 32, 32, 11)).toBeLessThan(0.2);
    expect(blurEffect(board, 32, 32, 11)).toBeCloseTo(blurEffectByDefinition(board, 32, 32, 11), 10);
  });

  it('matches the definition on rows narrower and wider than the window (clamped ends, interior)', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (const width of [2, 3, 6, 11, 12, 13, 14, 40]) {
      const height = 5;
      const noise = Uint8Array.from({ length: width * height }, next);
      expect(blurEffect(noise, width, height, 11)).toBeCloseTo(
        blurEffectByDefinition(noise, width, height, 11),
        10,
      );
    }
  });
});

describe('ramp', () => {
  it('is 1 at good, 0.5 at the threshold, 0 at worst, in either direction', () => {
    expect(ramp(0.6, 0.6, 0.3, 0)).toBe(1);
    expect(ramp(0.9, 0.6, 0.3, 0)).toBe(1);
    expect(ramp(0.3, 0.6, 0.3, 0)).toBe(0.5);
    expect(ramp(0.45, 0.6, 0.3, 0)).toBeCloseTo(0.75);
    expect(ramp(0, 0.6, 0.3, 0)).toBe(0);
    expect(ramp(0.35, 0.35, 0.53, 0.9)).toBe(1);
    expect(ramp(0.53, 0.35, 0.53, 0.9)).toBe(0.5);
    expect(ramp(0.9, 0.35, 0.53, 0.9)).toBe(0);
    expect(ramp(1, 0.35, 0.53, 0.9)).toBe(0);
  });
});
