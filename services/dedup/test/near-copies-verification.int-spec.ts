import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cvOps,
  cvRuntimesHere,
  extractWith,
  greyFromBytes,
  verifyWith,
  type CvRuntime,
  type LocalFeatures,
} from '@lookalike/local-features';
import { DEFAULT_VERIFICATION } from '../src/domain/dedup-sweep';
import { defaultThresholds } from '../src/domain/dedup-thresholds';
import { evaluateNearCopies } from './support/near-copies-eval';
import { loadNearCopies, NEAR_COPIES_DIR } from './support/near-copies-fixture';

describe.each(cvRuntimesHere())(
  'dedup sweep with geometric verification on dev-nearcopies (%s OpenCV)',
  (runtime: CvRuntime) => {
    it('lifts exact+near recall from about a third to 0.9 at precision >= 0.98', async () => {
      const cv = await cvOps(runtime);
      const features = new Map<string, LocalFeatures>();
      for (const im of loadNearCopies().images) {
        const grey = await greyFromBytes(readFileSync(join(NEAR_COPIES_DIR, 'images', im.file)));
        features.set(im.file, extractWith(cv, grey));
      }
      const plain = await evaluateNearCopies(defaultThresholds('mobilenet'));
      const verified = await evaluateNearCopies(defaultThresholds('mobilenet'), 10, {
        ...DEFAULT_VERIFICATION,
        verify: async (pairs) => pairs.map(([a, b]) => verifyWith(cv, features.get(a)!, features.get(b)!)),
      });
      expect(plain.exactNear.recall).toBeLessThan(0.5);
      expect(verified.exactNear.precision).toBeGreaterThanOrEqual(0.98);
      expect(verified.exactNear.recall).toBeGreaterThanOrEqual(0.9);
      expect(verified.byTransform.crop80.found).toBe(verified.byTransform.crop80.total);
      expect(verified.byTransform.rot90.found).toBe(verified.byTransform.rot90.total);
    }, 300_000);
  },
);
