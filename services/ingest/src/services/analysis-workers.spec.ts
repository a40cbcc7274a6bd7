import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeForAnalysis, inlineAnalysisOn, pixelRuntimesHere } from '@lookalike/imaging';
import { AnalysisWorkers } from './analysis-workers';

const PHOTO = join(__dirname, '../../../../../shared/datasets/dev-nearcopies/images');

describe('AnalysisWorkers', () => {
  const started: AnalysisWorkers[] = [];
  const make = (config: ConstructorParameters<typeof AnalysisWorkers>[0]) => {
    const workers = new AnalysisWorkers(config);
    started.push(workers);
    return workers;
  };
  afterAll(async () => {
    await Promise.all(started.map((w) => w.onModuleDestroy()));
  });

  it('runs the TypeScript sums in its worker threads, and in none with ANALYSIS_THREADS=0', () => {
    expect(make({ ANALYSIS_THREADS: 1, QUALITY_PASS_RUNTIME: 'js' }).threads).toBe(1);
    expect(make({ ANALYSIS_THREADS: 0, QUALITY_PASS_RUNTIME: 'js' }).threads).toBe(0);
  });

  (pixelRuntimesHere().includes('native') ? it : it.skip)(
    'starts no worker thread for the compiled sums (they run on libuv threads), with the same results',
    async () => {
      const native = make({ ANALYSIS_THREADS: 1, QUALITY_PASS_RUNTIME: 'auto' });
      const pooled = make({ ANALYSIS_THREADS: 1, QUALITY_PASS_RUNTIME: 'js' });
      expect(native.runtime).toBe('native');
      expect(native.threads).toBe(0);
      const file = readdirSync(PHOTO).find((f) => /\.jpe?g$/i.test(f))!;
      const image = await decodeForAnalysis(readFileSync(join(PHOTO, file)));
      const displayed = { width: image.width, height: image.height };
      const [a, b, c] = await Promise.all([
        native.analyse(image, displayed),
        pooled.analyse(image, displayed),
        inlineAnalysisOn('js')(image, displayed),
      ]);
      expect(a.quality).toEqual(c.quality);
      expect(b.quality).toEqual(c.quality);
      expect(Buffer.from(a.luma.data).equals(Buffer.from(c.luma.data))).toBe(true);
    },
  );
});
