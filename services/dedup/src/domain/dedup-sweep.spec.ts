import { defaultThresholds } from './dedup-thresholds';
import { runSweep } from './dedup-sweep';
import { pairKey } from './dedup-image';
import { evaluateNearCopies, nearCopyInputs } from '../../test/support/near-copies-eval';

const off = {
  ...defaultThresholds('mobilenet'),
  cosineNear: -1,
  cosineSimilar: 2,
  mutualCosine: null,
  hashVariants: false,
};

describe('dedup sweep on dev-nearcopies (MobileNetV2 fixture)', () => {
  it('reaches pairwise precision >= 0.97 on the exact+near tiers with the mobilenet defaults', async () => {
    const e = await evaluateNearCopies(defaultThresholds('mobilenet'));
    expect(e.exactNear.precision).toBeGreaterThanOrEqual(0.97);
    expect(e.exactNear.recall).toBeGreaterThan(0.3);
    expect(e.all.recall).toBeGreaterThan(e.exactNear.recall);
  });

  it('finds about a quarter of the copy pairs with a plain pHash at Hamming <= 6', async () => {
    const e = await evaluateNearCopies(off);
    expect(e.exactNear.recall).toBeGreaterThan(0.2);
    expect(e.exactNear.recall).toBeLessThan(0.35);
    expect(e.byTransform.hflip.found).toBe(0);
    expect(e.byTransform.rot90.found).toBe(0);
  });

  it('catches mirrored and turned copies with the derived hash variants', async () => {
    const e = await evaluateNearCopies({ ...off, hashVariants: true });
    expect(e.byTransform.hflip.found).toBeGreaterThan(e.byTransform.hflip.total / 2);
    expect(e.byTransform.rot90.found).toBeGreaterThan(e.byTransform.rot90.total / 2);
  });

  it('catches crops through the vector kNN tier', async () => {
    const e = await evaluateNearCopies(defaultThresholds('mobilenet'));
    expect(e.byTransform.crop80.found).toBeGreaterThan(e.byTransform.crop80.total / 2);
  });

  it('never pairs images a reviewer marked not-duplicate', async () => {
    const { dedupImages, neighbours, cosines } = nearCopyInputs();
    const banned = pairKey('astronaut.jpg', 'astronaut__jpeg20.jpg');
    const result = await runSweep({
      images: dedupImages,
      neighbours,
      cosines,
      thresholds: defaultThresholds('mobilenet'),
      keepRules: ['quality', 'age'],
      notDuplicate: new Set([banned]),
    });
    expect(result.pairs.map((p) => pairKey(p.a, p.b))).not.toContain(banned);
    expect(result.stats.suppressed).toBe(1);
  });

  it('suggests the original (best quality, then oldest) as the keep of its near group', async () => {
    const e = await evaluateNearCopies(defaultThresholds('mobilenet'));
    const group = e.sweep.groups.find(
      (g) => g.kind === 'near' && g.members.some((m) => m.imageId === 'coffee.jpg'),
    );
    expect(group).toBeDefined();
    const keep = group?.members.find((m) => m.imageId === group.suggestedKeep);
    expect(keep?.cosine).toBe(1);
    expect(Math.max(...(group?.members.map((m) => m.qualityScore) ?? []))).toBeLessThanOrEqual(
      (keep?.qualityScore ?? 0) + 0.02,
    );
  });
});
