import { rocAuc, DEFAULT_WEIGHTS } from './anomaly-scoring';
import { aucByRank, fitWeights, simplexGrid, type ReviewedComponents } from './weight-fit';

function review(anomaly: boolean, ood: number, dnn: number): ReviewedComponents {
  return { anomaly, ood, dnn, density: 0.5, quality: 0.2 };
}

describe('aucByRank', () => {
  it('equals the pairwise ROC-AUC, ties included', () => {
    const scores = [0.1, 0.4, 0.4, 0.8, 0.3, 0.9, 0.4];
    const positive = [false, true, false, true, false, true, true];
    expect(aucByRank(scores, positive)).toBeCloseTo(rocAuc(scores, positive), 12);
  });
});

describe('simplexGrid', () => {
  it('spans every weight vector summing to one at the step', () => {
    const grid = simplexGrid(0.05);
    expect(grid).toHaveLength(1771);
    for (const w of grid) expect(w.dnn + w.density + w.ood + w.quality).toBeCloseTo(1, 9);
  });
});

describe('fitWeights', () => {
  // Reviewers call an image an anomaly when it is far from the collection (ood); dnn is noise.
  const reviews = [
    ...Array.from({ length: 15 }, (_, i) => review(true, 0.7 + i * 0.01, ((i * 7) % 10) / 10)),
    ...Array.from({ length: 15 }, (_, i) => review(false, 0.2 + i * 0.01, ((i * 3) % 10) / 10 + 0.05)),
  ];

  it('moves weight to the component that ranks the reviews, with the counts at the best cut', () => {
    const fit = fitWeights(reviews, DEFAULT_WEIGHTS, { minEach: 10 });
    expect(fit).toMatchObject({ positives: 15, negatives: 15 });
    expect(fit.suggested!.auc).toBe(1);
    expect(fit.suggested!.auc).toBeGreaterThan(fit.current.auc);
    expect(fit.suggested!.weights.ood).toBeGreaterThan(DEFAULT_WEIGHTS.ood);
    expect(fit.suggested!.cut).toMatchObject({ tp: 15, fp: 0, fn: 0, tn: 15 });
  });

  it('suggests nothing with fewer than the minimum reviews of either verdict', () => {
    const fit = fitWeights(reviews.slice(0, 20), DEFAULT_WEIGHTS, { minEach: 10 });
    expect(fit).toMatchObject({ suggested: null, reason: 'not_enough_decisions', negatives: 5 });
  });
});
