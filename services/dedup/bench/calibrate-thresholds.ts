/**
 * Calibrates the dedup tiers on dev-nearcopies (the committed MobileNetV2 fixture) and prints the
 * markdown tables of docs/quality-loop.md: the pHash-only reference, what each signal adds, and a
 * threshold grid with pairwise precision/recall.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/calibrate-thresholds.ts
 */
import { hammingHex } from '@lookalike/imaging';
import { defaultThresholds, type DedupThresholds } from '../src/domain/dedup-thresholds';
import { derivedVariants, HASH_VARIANTS } from '../src/domain/phash-variants';
import { evaluateNearCopies, type Evaluation } from '../test/support/near-copies-eval';
import { loadNearCopies } from '../test/support/near-copies-fixture';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function row(name: string, e: Evaluation): string {
  return `| ${name} | ${pct(e.exactNear.precision)} | ${pct(e.exactNear.recall)} | ${pct(e.all.precision)} | ${pct(e.all.recall)} |`;
}

async function main(): Promise<void> {
  const base = defaultThresholds('mobilenet');
  const off: DedupThresholds = {
    ...base,
    cosineNear: -1,
    cosineSimilar: 2,
    mutualCosine: null,
    hashVariants: false,
  };

  console.log('## Signals (pairwise over components; exact+near | all tiers)\n');
  console.log(
    '| configuration | P exact+near | R exact+near | P all | R all |\n| --- | --- | --- | --- | --- |',
  );
  const steps: [string, DedupThresholds][] = [
    ['plain pHash <= 6, no cosine', off],
    ['+ mirror/rotation hash variants', { ...off, hashVariants: true }],
    ['+ cosine confirmation (near)', { ...off, hashVariants: true, cosineNear: base.cosineNear }],
    ['+ kNN cosine tier (similar, no rank check)', { ...base, mutualCosine: null, similarMutualK: Infinity }],
    ['+ mutual 5-NN rank check on similar', { ...base, mutualCosine: null }],
    ['+ mutual nearest neighbours (defaults)', base],
  ];
  const results: Evaluation[] = [];
  for (const [name, t] of steps) {
    const e = await evaluateNearCopies(t);
    results.push(e);
    console.log(row(name, e));
  }

  console.log('\n## Recall of original -> copy pairs per transform\n');
  const transforms = Object.keys(results[0].byTransform).sort();
  console.log(
    `| configuration | ${transforms.join(' | ')} |\n| --- | ${transforms.map(() => '---').join(' | ')} |`,
  );
  steps.forEach(([name], i) => {
    const bt = results[i].byTransform;
    console.log(`| ${name} | ${transforms.map((tr) => `${bt[tr].found}/${bt[tr].total}`).join(' | ')} |`);
  });

  console.log('\n## Threshold grid (hash variants on, similarMutualK 5, mutual rule off)\n');
  console.log(
    '| cosineNear | cosineSimilar | P exact+near | R exact+near | P all | R all |\n| --- | --- | --- | --- | --- | --- |',
  );
  for (const near of [0.5, 0.6, 0.7, 0.75, 0.8, 0.85]) {
    for (const similar of [0.8, 0.85, 0.9, 0.95]) {
      const e = await evaluateNearCopies({
        ...base,
        cosineNear: near,
        cosineSimilar: similar,
        mutualCosine: null,
      });
      console.log(
        `| ${near} | ${similar} | ${pct(e.exactNear.precision)} | ${pct(e.exactNear.recall)} | ${pct(e.all.precision)} | ${pct(e.all.recall)} |`,
      );
    }
  }
  console.log('\n## Mutual kNN rank for the similar tier (defaults otherwise, mutual rule off)\n');
  console.log('| similarMutualK | P all | R all |\n| --- | --- | --- |');
  for (const k of [1, 2, 3, 5, 8, 10, Infinity]) {
    for (const similar of [0.85, 0.9]) {
      const e = await evaluateNearCopies({
        ...base,
        cosineSimilar: similar,
        similarMutualK: k,
        mutualCosine: null,
      });
      console.log(`| ${k} @ ${similar} | ${pct(e.all.precision)} | ${pct(e.all.recall)} |`);
    }
  }
  console.log('\n## Mutual-NN floor (cosineSimilar default)\n');
  console.log('| mutualCosine | P all | R all |\n| --- | --- | --- |');
  for (const m of [0.7, 0.75, 0.8, 0.85, 0.88]) {
    const e = await evaluateNearCopies({ ...base, mutualCosine: m });
    console.log(`| ${m} | ${pct(e.all.precision)} | ${pct(e.all.recall)} |`);
  }

  const { images } = loadNearCopies();
  let sum = 0;
  let exact = 0;
  let n = 0;
  for (const im of images) {
    const derived = derivedVariants(im.phash);
    for (const v of HASH_VARIANTS) {
      const d = hammingHex(derived[v], im.variants[v]);
      sum += d;
      if (d === 0) exact += 1;
      n += 1;
    }
  }
  console.log(
    `\nDerived vs pixel-computed variant hashes: mean Hamming ${(sum / n).toFixed(2)}, identical ${pct(exact / n)} of ${n}`,
  );
  const d = results[5];
  console.log(
    `\nDefaults ${JSON.stringify(base)}: groups ${JSON.stringify(d.sweep.stats.groups)}, candidates ${JSON.stringify(d.sweep.stats.candidatePairs)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
