/**
 * ROC-AUC of each anomaly method at ranking the planted out-of-domain images above the real
 * ones (docs/quality-loop.md).
 *
 *   node services/dedup/bench/run-ts.cjs services/anomaly/bench/planted-auc.ts
 */
import { oneAtATimeAuc, plantedAuc, plantedTenant } from '../test/support/planted-set';

for (const [name, originalsOnly] of [
  ['dev-nearcopies, all 181 + 12 planted', false],
  ['dev-nearcopies originals (19) + 12 planted', true],
] as const) {
  const images = plantedTenant(originalsOnly);
  for (const k of [5, 10]) {
    const { auc } = plantedAuc(images, k);
    const one = oneAtATimeAuc(images, k);
    console.log(
      `| ${name}, one planted at a time | ${k} | ${[one.dnn, one.density, one.ood, one.quality, one.combined, one.max].map((x) => x.toFixed(3)).join(' | ')} |`,
    );
    console.log(
      `| ${name}, all 12 planted at once | ${k} | ${[auc.dnn, auc.density, auc.ood, auc.quality, auc.combined, auc.max].map((x) => x.toFixed(3)).join(' | ')} |`,
    );
  }
}
