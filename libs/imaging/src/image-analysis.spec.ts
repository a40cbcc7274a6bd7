import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '@lookalike/contracts';
import { analyzeImage } from './image-analysis';
import { DEFAULT_IMAGE_LIMITS } from './image-limits';
import { perceptualHash } from './perceptual-hash';
import { qualityMetrics } from './quality-metrics';

const BAD_INPUTS = path.resolve(__dirname, '../../../../shared/datasets/bad-inputs');

describe('analyzeImage', () => {
  it('validates, hashes and measures an upload in one call', async () => {
    const bytes = readFileSync(path.join(BAD_INPUTS, 'oriented-6.jpg'));
    const analysis = await analyzeImage(bytes, DEFAULT_IMAGE_LIMITS);
    expect(analysis.info).toMatchObject({ format: 'jpeg', mime: 'image/jpeg', width: 200, height: 300 });
    expect(analysis.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(analysis.phash).toBe(await perceptualHash(bytes));
    expect(Object.keys(analysis.phashVariants).sort()).toEqual(['mirror', 'rot180', 'rot270', 'rot90']);
    expect(analysis.quality).toEqual(await qualityMetrics(bytes));
  });

  it('rejects before any analysis', async () => {
    await expect(
      analyzeImage(readFileSync(path.join(BAD_INPUTS, 'xxe.svg')), DEFAULT_IMAGE_LIMITS),
    ).rejects.toMatchObject({ code: ErrorCode.UnsupportedMediaType });
  });
});
