import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNearCopies } from '../../../dedup/test/support/near-copies-fixture';
import {
  ANOMALY_METHODS,
  centroidOf,
  combine,
  dot,
  rawScores,
  referenceStats,
  rocAuc,
  scaleComponents,
  type Components,
  type Weights,
} from '../../src/domain/anomaly-scoring';

export interface PlantedImage {
  file: string;
  vector: Float32Array;
  qualityScore: number;
  planted: boolean;
}

/** dev-nearcopies (all of it, or the originals only) with the planted out-of-domain images. */
export function plantedTenant(originalsOnly: boolean): PlantedImage[] {
  const { images } = loadNearCopies();
  const meta = JSON.parse(readFileSync(join(__dirname, '../fixtures/planted.json'), 'utf8')) as {
    model: { dim: number };
    files: { file: string; qualityScore: number }[];
  };
  const raw = readFileSync(join(__dirname, '../fixtures/planted.mobilenet.f32'));
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const dim = meta.model.dim;
  return [
    ...images
      .filter((im) => !originalsOnly || im.transform === 'none')
      .map((im) => ({ file: im.file, vector: im.vector, qualityScore: im.qualityScore, planted: false })),
    ...meta.files.map((f, i) => ({
      file: f.file,
      vector: all.slice(i * dim, (i + 1) * dim),
      qualityScore: f.qualityScore,
      planted: true,
    })),
  ];
}

export type AucTable = Record<(typeof ANOMALY_METHODS)[number] | 'combined' | 'max', number>;

/** Scores every image against the others (exact kNN) and the ROC-AUC of each method. */
export function plantedAuc(
  images: PlantedImage[],
  k = 10,
  weights?: Weights,
): { auc: AucTable; components: Components[] } {
  const centroid = centroidOf(images.map((im) => im.vector));
  const raws = images.map((im) => {
    const scores = images
      .filter((o) => o !== im)
      .map((o) => dot(im.vector, o.vector))
      .sort((a, b) => b - a)
      .slice(0, k);
    return rawScores(scores, im.vector, centroid, im.qualityScore);
  });
  const stats = referenceStats(raws);
  const components = raws.map((r) => scaleComponents(r, stats));
  const labels = images.map((im) => im.planted);
  const auc = {} as AucTable;
  for (const m of ANOMALY_METHODS)
    auc[m] = rocAuc(
      components.map((c) => c[m]),
      labels,
    );
  auc.combined = rocAuc(
    components.map((c) => combine(c, weights)),
    labels,
  );
  auc.max = rocAuc(
    components.map((c) => Math.max(c.dnn, c.density, c.ood, c.quality)),
    labels,
  );
  return { auc, components };
}

/**
 * The realistic case: one odd image among a tenant's real ones. Each planted image is scored in a
 * tenant of the real images plus itself; the AUC is the mean share of real images it outranks.
 */
export function oneAtATimeAuc(images: PlantedImage[], k = 10, weights?: Weights): AucTable {
  const real = images.filter((im) => !im.planted);
  const planted = images.filter((im) => im.planted);
  const sums = {} as AucTable;
  for (const p of planted) {
    const { components } = plantedAuc([...real, p], k, weights);
    const score = (c: Components): Record<keyof AucTable, number> => ({
      dnn: c.dnn,
      density: c.density,
      ood: c.ood,
      quality: c.quality,
      combined: combine(c, weights),
      max: Math.max(c.dnn, c.density, c.ood, c.quality),
    });
    const mine = score(components[components.length - 1]);
    const others = components.slice(0, -1).map(score);
    for (const key of Object.keys(mine) as (keyof AucTable)[]) {
      const wins = others.reduce((a, o) => a + (mine[key] > o[key] ? 1 : mine[key] === o[key] ? 0.5 : 0), 0);
      sums[key] = (sums[key] ?? 0) + wins / others.length;
    }
  }
  for (const key of Object.keys(sums) as (keyof AucTable)[]) sums[key] /= planted.length;
  return sums;
}
