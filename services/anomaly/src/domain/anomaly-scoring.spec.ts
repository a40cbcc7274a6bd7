import {
  combine,
  parseWeights,
  rawScores,
  referenceStats,
  rocAuc,
  scaleComponents,
  centroidOf,
  mergeNeighbours,
} from './anomaly-scoring';
import { oneAtATimeAuc, plantedTenant } from '../../test/support/planted-set';

describe('anomaly scoring', () => {
  it('takes the nearest distance as DNN and the mean of the k distances as density', () => {
    const raw = rawScores([0.9, 0.8, 0.7], undefined, undefined, 0.75);
    expect(raw.dnn).toBeCloseTo(0.1);
    expect(raw.density).toBeCloseTo(0.2);
    expect(raw.quality).toBeCloseTo(0.25);
  });

  it('merges new neighbours into a stored kNN list: best k, one entry per point, the new cosine wins', () => {
    const list = [
      { id: 'a', s: 0.9 },
      { id: 'b', s: 0.8 },
      { id: 'c', s: 0.7 },
    ];
    expect(mergeNeighbours(list, [{ id: 'n', s: 0.85 }], 3)).toEqual([
      { id: 'a', s: 0.9 },
      { id: 'n', s: 0.85 },
      { id: 'b', s: 0.8 },
    ]);
    // Below the list's last: no change. A re-scored point replaces its old cosine.
    expect(mergeNeighbours(list, [{ id: 'far', s: 0.1 }], 3)).toEqual(list);
    expect(mergeNeighbours(list, [{ id: 'c', s: 0.95 }], 3).map((n) => n.id)).toEqual(['c', 'a', 'b']);
    // A short list (a small tenant) grows up to k.
    expect(mergeNeighbours([{ id: 'a', s: 0.5 }], [{ id: 'b', s: 0.4 }], 10)).toHaveLength(2);
    // dnn and density follow the merged list.
    const raw = rawScores(
      mergeNeighbours(list, [{ id: 'n', s: 0.99 }], 3).map((n) => n.s),
      undefined,
      undefined,
      1,
    );
    expect(raw.dnn).toBeCloseTo(0.01);
    expect(raw.density).toBeCloseTo((0.01 + 0.1 + 0.2) / 3);
  });

  it('scales each method against the tenant: the median is 0, far outliers approach 1', () => {
    const raws = Array.from({ length: 20 }, (_, i) =>
      rawScores([0.9 - (i % 3) * 0.01], undefined, undefined, 1),
    );
    const stats = referenceStats(raws);
    expect(scaleComponents(raws[0], stats).dnn).toBe(0);
    const outlier = scaleComponents(rawScores([0.2], undefined, undefined, 1), stats);
    expect(outlier.dnn).toBeGreaterThan(0.9);
    expect(outlier.dnn).toBeLessThanOrEqual(1);
    expect(combine(outlier)).toBeGreaterThan(combine(scaleComponents(raws[0], stats)));
  });

  it('measures OOD as the distance to the unit centroid', () => {
    const c = centroidOf([new Float32Array([1, 0]), new Float32Array([0.8, 0.6])]) as Float32Array;
    expect(Math.hypot(c[0], c[1])).toBeCloseTo(1);
    expect(rawScores([], new Float32Array([0, 1]), c, 1).ood).toBeGreaterThan(
      rawScores([], new Float32Array([1, 0]), c, 1).ood,
    );
  });

  it('computes ROC-AUC with ties counted half', () => {
    expect(rocAuc([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
    expect(rocAuc([0.5, 0.5], [true, false])).toBe(0.5);
  });

  it('parses weights and refuses unknown methods', () => {
    expect(parseWeights('dnn=1,quality=0')).toMatchObject({ dnn: 1, quality: 0, density: 0.3 });
    expect(() => parseWeights('lof=1')).toThrow(/lof/);
  });

  it('ranks one planted out-of-domain image above most of dev-nearcopies (combined AUC > 0.75)', () => {
    const auc = oneAtATimeAuc(plantedTenant(false), 10);
    expect(auc.combined).toBeGreaterThan(0.75);
    expect(auc.dnn).toBeGreaterThan(0.7);
  });
});
