import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeForAnalysis } from './image-decoding';
import {
  IMAGING_ADDON_PATH,
  pixelRuntimesHere,
  pixelSums,
  pixelSumsJs,
  pixelSumsOffThread,
  type PixelSumsParams,
  resolvePixelRuntime,
} from './pixel-sums';

const IMAGES = join(__dirname, '../../../../shared/datasets/dev-nearcopies/images');
const PARAMS: PixelSumsParams = { clipLevel: 250, channelDelta: 12, kernel: 11 };

/** Deterministic pseudo-random bytes (a linear congruential generator), so a failure repeats. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

function comparable(sums: ReturnType<typeof pixelSumsJs>) {
  return { ...sums, luma: Buffer.from(sums.luma).toString('base64'), histogram: [...sums.histogram] };
}

describe('pixel sums', () => {
  it('settles `auto` on native exactly where the addon loads, and `js` always on js', () => {
    expect(resolvePixelRuntime('js')).toBe('js');
    expect(resolvePixelRuntime('auto')).toBe(pixelRuntimesHere()[0]);
    if (!pixelRuntimesHere().includes('native')) {
      expect(() => resolvePixelRuntime('native')).toThrow(/QUALITY_PASS_RUNTIME=js or auto/);
    }
  });

  describe.each(pixelRuntimesHere())('on %s', (runtime) => {
    it('equals the TypeScript loops on real photos, every sum and every luma byte', async () => {
      const files = readdirSync(IMAGES)
        .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
        .slice(0, 12);
      expect(files.length).toBeGreaterThanOrEqual(8);
      for (const file of files) {
        const image = await decodeForAnalysis(readFileSync(join(IMAGES, file)));
        const ours = pixelSums(image.data, image.width, image.height, PARAMS, runtime);
        expect(comparable(ours)).toEqual(
          comparable(pixelSumsJs(image.data, image.width, image.height, PARAMS)),
        );
        expect(ours.blur.variationH).toBeGreaterThan(0);
        expect(ours.laplacian.sumSq).toBeGreaterThan(0);
      }
    });

    it('equals them at the edges: tiny images, widths around the blur window, other kernels', () => {
      const sizes: [number, number][] = [
        [1, 1],
        [2, 2],
        [3, 1],
        [1, 7],
        [3, 3],
        [13, 2],
      ];
      for (let width = 4; width <= 16; width += 1) sizes.push([width, 5]);
      for (const kernel of [1, 3, 11, 21]) {
        for (const [width, height] of sizes) {
          const data = noise(width * height * 3, width * 131 + height * 7 + kernel);
          const params = { ...PARAMS, kernel };
          expect(comparable(pixelSums(data, width, height, params, runtime))).toEqual(
            comparable(pixelSumsJs(data, width, height, params)),
          );
        }
      }
    });

    it('gives the same sums off the calling thread, several at once on the same pixels', async () => {
      const image = await decodeForAnalysis(readFileSync(join(IMAGES, readdirSync(IMAGES).sort()[0]!)));
      const expected = comparable(pixelSumsJs(image.data, image.width, image.height, PARAMS));
      const small = noise(17 * 9 * 3, 5);
      const all = await Promise.all([
        pixelSumsOffThread(image.data, image.width, image.height, PARAMS, runtime),
        pixelSumsOffThread(image.data, image.width, image.height, PARAMS, runtime),
        pixelSumsOffThread(small, 17, 9, { ...PARAMS, kernel: 3 }, runtime),
      ]);
      expect(comparable(all[0])).toEqual(expected);
      expect(comparable(all[1])).toEqual(expected);
      expect(all[0].luma).not.toBe(all[1].luma);
      expect(comparable(all[2])).toEqual(comparable(pixelSumsJs(small, 17, 9, { ...PARAMS, kernel: 3 })));
    });

    it('counts clipped and coloured pixels by their thresholds', () => {
      // white (clipped, grey), pure red (clipped, coloured), mid grey, a faint tint of 12 (not coloured)
      const data = Uint8Array.from([255, 255, 255, 255, 0, 0, 128, 128, 128, 100, 112, 100]);
      const sums = pixelSums(data, 2, 2, PARAMS, runtime);
      expect(sums.clipped).toBe(2);
      expect(sums.coloured).toBe(1);
      expect([...sums.luma]).toEqual([255, 76, 128, 107]);
      expect(sums.histogram.reduce((a, b) => a + b, 0)).toBe(4);
    });
  });

  const native = pixelRuntimesHere().includes('native');
  (native ? it : it.skip)(
    'refuses pixels that do not cover the size with an error, not a crash',
    async () => {
      // The addon checks its buffers; the TypeScript loops are never handed a short one by the pipeline.
      expect(() => pixelSums(new Uint8Array(10), 4, 4, PARAMS, 'native')).toThrow(
        /do not cover width x height/,
      );
      expect(() => pixelSums(new Uint8Array(48), 4, 4, { ...PARAMS, kernel: 4 }, 'native')).toThrow(/odd/);
      // Off the thread the same checks reject the promise before any work is queued.
      await expect(pixelSumsOffThread(new Uint8Array(10), 4, 4, PARAMS, 'native')).rejects.toThrow(
        /do not cover width x height/,
      );
      expect(IMAGING_ADDON_PATH).toMatch(/lookalike_imaging\.node$/);
    },
  );
});
