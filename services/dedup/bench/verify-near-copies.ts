/**
 * Geometric verification calibrated on dev-nearcopies: local features of every image (ORB through
 * OpenCV, LOCAL_FEATURES_RUNTIME=auto|native|wasm, cached under
 * .bench/near-copies-features-<options>-<runtime>), then the sweep with and without
 * verification on the committed MobileNetV2 fixture, scored pairwise over the exact+near and
 * all-tier components, per transform, with the verification grid (k, pHash distance) and the
 * costs: extraction ms per image and verification ms per pair (one thread, in process).
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/verify-near-copies.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  decodeLocalFeatures,
  encodeLocalFeatures,
  extractWith,
  featureSignature,
  cvOps,
  greyFromBytes,
  verifyWith,
  type LocalFeatures,
  type PairGeometry,
} from '@lookalike/local-features';
import { DEFAULT_VERIFICATION, type SweepVerification } from '../src/domain/dedup-sweep';
import { defaultThresholds } from '../src/domain/dedup-thresholds';
import { evaluateNearCopies, type Evaluation } from '../test/support/near-copies-eval';
import { loadNearCopies, NEAR_COPIES_DIR } from '../test/support/near-copies-fixture';

const ROOT = resolve(__dirname, '../../..');
const RUNTIME = (process.env.LOCAL_FEATURES_RUNTIME ?? 'auto') as 'auto' | 'native' | 'wasm';
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  const cv = await cvOps(RUNTIME);
  const CACHE = join(ROOT, '.bench', `near-copies-features-${featureSignature()}-${cv.runtime}`);
  const { images } = loadNearCopies();
  mkdirSync(CACHE, { recursive: true });
  const features = new Map<string, LocalFeatures>();
  let extractMs = 0;
  let extracted = 0;
  for (const im of images) {
    const file = join(CACHE, `${im.file}.lkf`);
    if (existsSync(file)) {
      features.set(im.file, decodeLocalFeatures(readFileSync(file)));
      continue;
    }
    const grey = await greyFromBytes(readFileSync(join(NEAR_COPIES_DIR, 'images', im.file)));
    const t = performance.now();
    const f = extractWith(cv, grey);
    extractMs += performance.now() - t;
    extracted += 1;
    writeFileSync(file, encodeLocalFeatures(f));
    features.set(im.file, f);
  }
  let verifyMs = 0;
  let verified = 0;
  const cache = new Map<string, PairGeometry>();
  const verification = (k: number, maxHamming: number): SweepVerification => ({
    k,
    maxHamming,
    expandPerImage: DEFAULT_VERIFICATION.expandPerImage,
    verify: async (pairs) =>
      pairs.map(([a, b]) => {
        const key = `${a}|${b}`;
        const known = cache.get(key);
        if (known) return known;
        const t = performance.now();
        const g = verifyWith(cv, features.get(a)!, features.get(b)!);
        verifyMs += performance.now() - t;
        verified += 1;
        cache.set(key, g);
        return g;
      }),
  });
  const base = defaultThresholds('mobilenet');
  const row = (name: string, e: Evaluation): string =>
    `| ${name} | ${pct(e.exactNear.precision)} | ${pct(e.exactNear.recall)} | ${pct(e.all.precision)} | ${pct(e.all.recall)} | ${e.sweep.stats.verification.checked + e.sweep.stats.verification.expanded} |`;
  console.log('## Geometric verification on dev-nearcopies (pairwise over components)\n');
  console.log(
    '| configuration | P exact+near | R exact+near | P all | R all | pairs verified |\n| --- | --- | --- | --- | --- | --- |',
  );
  const without = await evaluateNearCopies(base);
  console.log(row('pHash + cosine rules (no verification)', without));
  const results: [string, Evaluation][] = [];
  for (const [k, h] of [
    [5, 12],
    [8, 20],
    [10, 20],
    [12, 20],
  ] as const) {
    const e = await evaluateNearCopies(base, 10, verification(k, h));
    const name = `verified: kNN rank < ${k} or pHash <= ${h}${k === DEFAULT_VERIFICATION.k && h === DEFAULT_VERIFICATION.maxHamming ? ' (default)' : ''}`;
    results.push([name, e]);
    console.log(row(name, e));
  }
  console.log('\n## Recall of original -> copy pairs per transform (all tiers)\n');
  const transforms = Object.keys(without.byTransform).sort();
  console.log(
    `| configuration | ${transforms.join(' | ')} |\n| --- | ${transforms.map(() => '---').join(' | ')} |`,
  );
  for (const [name, e] of [['no verification', without] as [string, Evaluation], ...results]) {
    console.log(
      `| ${name} | ${transforms.map((tr) => `${e.byTransform[tr]!.found}/${e.byTransform[tr]!.total}`).join(' | ')} |`,
    );
  }
  const outcomes: Record<string, number> = {};
  for (const g of cache.values()) outcomes[g.outcome] = (outcomes[g.outcome] ?? 0) + 1;
  console.log(
    `\nCosts (one thread, in process): extraction ${extracted > 0 ? `${(extractMs / extracted).toFixed(1)} ms per image (${extracted} images, both orientations)` : 'cached'}; verification ${(verifyMs / Math.max(1, verified)).toFixed(1)} ms per pair over ${verified} distinct pairs. Outcomes: ${JSON.stringify(outcomes)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
