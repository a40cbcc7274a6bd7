import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { inlineAnalysisOn, PixelAnalysisPool } from './analysis-pool';
import { decodeForAnalysis } from './image-decoding';
import { pixelRuntimesHere } from './pixel-sums';

const IMAGES = join(__dirname, '../../../../shared/datasets/dev-nearcopies/images');

describe.each(pixelRuntimesHere())(
  'PixelAnalysisPool (the quality pass in a worker thread, %s sums)',
  (runtime) => {
    jest.setTimeout(60_000);
    let pool: PixelAnalysisPool;
    beforeAll(() => {
      pool = new PixelAnalysisPool({ threads: 1, runtime });
    });
    afterAll(() => pool.close());

    it('runs the sums on the runtime it was given', () => {
      expect(pool.runtime).toBe(runtime);
    });

    it.each(['astronaut.jpg', 'cell.jpg', 'coffee__dark.jpg'])(
      'gives the metrics and the luma the inline TypeScript pass gives, bit for bit (%s)',
      async (file) => {
        const image = await decodeForAnalysis(readFileSync(join(IMAGES, file)));
        const displayed = { width: image.width * 2, height: image.height * 2 };
        const [worker, inline] = await Promise.all([
          pool.analyse(image, displayed),
          inlineAnalysisOn('js')(image, displayed),
        ]);
        expect(worker.quality).toEqual(inline.quality);
        expect(worker.luma.width).toBe(image.width);
        expect(worker.luma.height).toBe(image.height);
        expect(Buffer.from(worker.luma.data).equals(Buffer.from(inline.luma.data))).toBe(true);
        // The caller's pixels are copied to the worker, never taken from it.
        expect(image.data.length).toBe(image.width * image.height * 3);
      },
    );

    it('answers busy at once when its queue is full', async () => {
      const small = new PixelAnalysisPool({ threads: 1, maxQueue: 1, runtime });
      try {
        const image = await decodeForAnalysis(readFileSync(join(IMAGES, 'astronaut.jpg')));
        const displayed = { width: image.width, height: image.height };
        const runs = Array.from({ length: 6 }, () => small.analyse(image, displayed));
        const settled = await Promise.allSettled(runs);
        const busy = settled.filter(
          (s) =>
            s.status === 'rejected' && s.reason instanceof LookalikeError && s.reason.code === ErrorCode.Busy,
        );
        expect(busy.length).toBeGreaterThan(0);
        expect(settled.filter((s) => s.status === 'fulfilled').length).toBeGreaterThan(0);
      } finally {
        await small.close();
      }
    });
  },
);
