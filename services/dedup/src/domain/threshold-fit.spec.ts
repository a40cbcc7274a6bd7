import { agreementAt, fitThreshold, gridCandidates, type Observation } from './threshold-fit';
import { calibrateDedup, type DecisionEvidence } from './dedup-calibration';

const obs = (pairs: [number, boolean][]): Observation[] =>
  pairs.map(([value, duplicate]) => ({ value, duplicate }));

describe('agreementAt', () => {
  it('counts the four cells and derives precision, recall, F1 and MCC', () => {
    const a = agreementAt(
      obs([
        [0.9, true],
        [0.8, false],
        [0.7, true],
        [0.5, false],
      ]),
      0.75,
      'at_least',
    );
    expect(a).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 1, precision: 0.5, recall: 0.5, f1: 0.5, mcc: 0 });
  });

  it('reads at_most for distances', () => {
    const a = agreementAt(
      obs([
        [2, true],
        [5, true],
        [9, false],
      ]),
      5,
      'at_most',
    );
    expect(a).toMatchObject({ tp: 2, fp: 0, fn: 0, tn: 1, mcc: 1 });
  });
});

describe('fitThreshold', () => {
  const separable = obs([
    ...Array.from({ length: 12 }, (_, i): [number, boolean] => [0.8 + i * 0.01, true]),
    ...Array.from({ length: 12 }, (_, i): [number, boolean] => [0.5 + i * 0.02, false]),
  ]);

  it('suggests a threshold that separates the verdicts, with the counts behind it', () => {
    const fit = fitThreshold(separable, {
      direction: 'at_least',
      current: 0.9,
      candidates: gridCandidates(0, 1, 0.01),
      minEach: 10,
    });
    expect(fit.current).toMatchObject({ threshold: 0.9, tp: 2, fn: 10 });
    expect(fit.suggested).toMatchObject({ tp: 12, fp: 0, fn: 0, tn: 12, mcc: 1 });
    // Every value between the largest not-duplicate (0.72) and the smallest duplicate (0.8) agrees
    // fully; the one closest to the current threshold wins.
    expect(fit.suggested!.threshold).toBe(0.8);
  });

  it('gives no suggestion with fewer than the minimum decisions of either verdict', () => {
    const fit = fitThreshold(separable.slice(0, 15), {
      direction: 'at_least',
      current: 0.9,
      candidates: gridCandidates(0, 1, 0.01),
      minEach: 10,
    });
    expect(fit).toMatchObject({
      suggested: null,
      reason: 'not_enough_decisions',
      duplicates: 12,
      notDuplicates: 3,
    });
  });

  it('keeps the current threshold when nothing agrees better', () => {
    const fit = fitThreshold(separable, {
      direction: 'at_least',
      current: 0.75,
      candidates: gridCandidates(0, 1, 0.01),
      minEach: 10,
    });
    expect(fit.suggested).toEqual(fit.current);
  });

  it('does not call everything a duplicate when duplicates are the majority', () => {
    const mostlyDuplicates = obs([
      ...Array.from({ length: 40 }, (_, i): [number, boolean] => [0.6 + (i % 20) * 0.02, true]),
      ...Array.from({ length: 10 }, (_, i): [number, boolean] => [0.6 + i * 0.01, false]),
    ]);
    const fit = fitThreshold(mostlyDuplicates, {
      direction: 'at_least',
      current: 0.95,
      candidates: gridCandidates(0, 1, 0.01),
      minEach: 10,
    });
    expect(fit.suggested!.threshold).toBeGreaterThan(0.6);
    expect(fit.suggested!.fp).toBeLessThan(10);
  });

  it('suggests the largest Hamming distance that still separates', () => {
    const distances = obs([
      ...Array.from({ length: 10 }, (_, i): [number, boolean] => [i, true]),
      ...Array.from({ length: 10 }, (_, i): [number, boolean] => [14 + i, false]),
    ]);
    const fit = fitThreshold(distances, {
      direction: 'at_most',
      current: 6,
      candidates: gridCandidates(0, 32, 1),
      minEach: 10,
    });
    expect(fit.suggested).toMatchObject({ threshold: 9, tp: 10, fp: 0 });
  });
});

describe('calibrateDedup', () => {
  const current = { cosineSimilar: 0.9, cosineNear: 0.8, phashMax: 6, minInliers: 6 };
  const decisions: DecisionEvidence[] = [
    ...Array.from({ length: 12 }, (_, i) => ({
      duplicate: true,
      cosine: 0.82 + i * 0.01,
      hamming: i % 4,
      inliers: 20 + i,
      verified: true,
    })),
    ...Array.from({ length: 12 }, (_, i) => ({
      duplicate: false,
      cosine: 0.6 + i * 0.01,
      hamming: 20 + i,
      inliers: 12,
      verified: false,
    })),
    { duplicate: true, cosine: null, hamming: null, inliers: null, verified: null },
  ];

  it('fits every signal on the decisions that carry it', () => {
    const fits = calibrateDedup(decisions, current, { minEach: 10, inliersFloor: 6 });
    expect(fits.cosine.suggested).toMatchObject({ tp: 12, fp: 0 });
    expect(fits.cosine.duplicates).toBe(12);
    expect(fits.phash.suggested).toMatchObject({ tp: 12, fp: 0 });
    expect(fits.phash.suggested!.threshold).toBeGreaterThanOrEqual(6);
    // A pair that failed verification counts 0 inliers whatever RANSAC found.
    expect(fits.inliers.current).toMatchObject({ tp: 12, fp: 0, fn: 0, tn: 12 });
    // Only hash matches within phashMax are evidence for the near rule's cosine: none are not-duplicates.
    expect(fits.cosine_near).toMatchObject({
      suggested: null,
      reason: 'not_enough_decisions',
      notDuplicates: 0,
    });
  });

  it('never suggests fewer inliers than the verifier checks', () => {
    const fits = calibrateDedup(decisions, { ...current, minInliers: 30 }, { minEach: 10, inliersFloor: 6 });
    expect(fits.inliers.suggested!.threshold).toBeGreaterThanOrEqual(6);
  });
});
