/**
 * Thresholds that learn, measured on dev-nearcopies (docs/quality-loop.md "Thresholds that
 * learn"): the pairs a reviewer would be shown (each image's 10 nearest neighbours by the committed
 * MobileNetV2 vectors, and pairs whose pHashes, mirrored/turned variants included, are within 20
 * bits: the sweep's candidates), each with its cosine, Hamming distance and geometric verification
 * (ORB through OpenCV.js, features cached under .bench/). A seeded random half gets simulated
 * reviewer decisions from truth.json; `calibrateDedup` fits on them; agreement is measured on the
 * other half at the current defaults and at the suggested thresholds. Then 20 more seeds, for the
 * spread of the gain, a run with reviewers who get 5% of their decisions wrong, and what the groups
 * of the whole set become with the seed-1 suggestions applied.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/learn-thresholds.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cvOps,
  decodeLocalFeatures,
  encodeLocalFeatures,
  extractWith,
  featureSignature,
  greyFromBytes,
  VERIFY_DEFAULTS,
  verifyWith,
  type LocalFeatures,
} from '@lookalike/local-features';
import {
  calibrateDedup,
  CALIBRATED_SIGNALS,
  SIGNAL_SETTING,
  type CalibratedThresholds,
  type DecisionEvidence,
} from '../src/domain/dedup-calibration';
import { defaultThresholds } from '../src/domain/dedup-thresholds';
import { closestHash } from '../src/domain/phash-variants';
import { agreementAt, type Agreement, type Observation } from '../src/domain/threshold-fit';
import { evaluateNearCopies } from '../test/support/near-copies-eval';
import { loadNearCopies, NEAR_COPIES_DIR } from '../test/support/near-copies-fixture';

const ROOT = resolve(__dirname, '../../..');
const RUNTIME = (process.env.LOCAL_FEATURES_RUNTIME ?? 'auto') as 'auto' | 'native' | 'wasm';
const K = 10;
const MAX_HAMMING = 20;
const MIN_EACH = 10;
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

interface Pair extends DecisionEvidence {
  a: string;
  b: string;
}

/** mulberry32: a small seeded generator, so the split is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function split(pairs: readonly Pair[], seed: number): [Pair[], Pair[]] {
  const rnd = random(seed);
  const order = pairs.map((p) => ({ p, r: rnd() })).sort((x, y) => x.r - y.r);
  const half = Math.floor(order.length / 2);
  return [order.slice(0, half).map((x) => x.p), order.slice(half).map((x) => x.p)];
}

/** What the signal of each setting reads from a pair, as the calibration reads it. */
function observations(pairs: readonly Pair[], signal: string, phashMax: number): Observation[] {
  return pairs.flatMap((p): Observation[] => {
    const v =
      signal === 'cosine'
        ? p.cosine
        : signal === 'cosine_near'
          ? p.hamming !== null && p.hamming <= phashMax
            ? p.cosine
            : null
          : signal === 'phash'
            ? p.hamming
            : p.inliers === null
              ? null
              : p.verified
                ? p.inliers
                : 0;
    return v === null ? [] : [{ value: v, duplicate: p.duplicate }];
  });
}

const DIRECTION: Record<string, 'at_least' | 'at_most'> = {
  cosine: 'at_least',
  cosine_near: 'at_least',
  phash: 'at_most',
  inliers: 'at_least',
};

function cell(a: Agreement): string {
  return `${a.threshold} | ${pct(a.precision)} | ${pct(a.recall)} | ${a.f1.toFixed(3)} | ${a.mcc.toFixed(3)} | ${a.tp}/${a.fp}/${a.fn}/${a.tn}`;
}

async function pairsOfNearCopies(): Promise<Pair[]> {
  const cv = await cvOps(RUNTIME);
  const CACHE = join(ROOT, '.bench', `near-copies-features-${featureSignature()}-${cv.runtime}`);
  const { images } = loadNearCopies();
  mkdirSync(CACHE, { recursive: true });
  const features = new Map<string, LocalFeatures>();
  for (const im of images) {
    const file = join(CACHE, `${im.file}.lkf`);
    if (existsSync(file)) {
      features.set(im.file, decodeLocalFeatures(readFileSync(file)));
      continue;
    }
    const f = extractWith(cv, await greyFromBytes(readFileSync(join(NEAR_COPIES_DIR, 'images', im.file))));
    writeFileSync(file, encodeLocalFeatures(f));
    features.set(im.file, f);
  }
  const dot = (x: Float32Array, y: Float32Array) => {
    let s = 0;
    for (let i = 0; i < x.length; i += 1) s += x[i] * y[i];
    return s;
  };
  const keys = new Set<string>();
  const byFile = new Map(images.map((im) => [im.file, im]));
  for (const im of images) {
    const near = images
      .filter((o) => o !== im)
      .map((o) => ({ o, s: dot(im.vector, o.vector) }))
      .sort((x, y) => y.s - x.s)
      .slice(0, K);
    for (const { o } of near) keys.add(im.file < o.file ? `${im.file}|${o.file}` : `${o.file}|${im.file}`);
    for (const o of images) {
      if (o !== im && closestHash(im.phash, o.phash, true).hamming <= MAX_HAMMING)
        keys.add(im.file < o.file ? `${im.file}|${o.file}` : `${o.file}|${im.file}`);
    }
  }
  return [...keys].sort().map((key) => {
    const [a, b] = key.split('|');
    const ia = byFile.get(a)!;
    const ib = byFile.get(b)!;
    const g = verifyWith(cv, features.get(a)!, features.get(b)!);
    return {
      a,
      b,
      duplicate: ia.base === ib.base,
      cosine: dot(ia.vector, ib.vector),
      hamming: closestHash(ia.phash, ib.phash, true).hamming,
      inliers: g.inliers,
      verified: g.verified,
    };
  });
}

async function main(): Promise<void> {
  const pairs = await pairsOfNearCopies();
  const d = defaultThresholds('mobilenet');
  const current: CalibratedThresholds = {
    cosineSimilar: d.cosineSimilar,
    cosineNear: d.cosineNear,
    phashMax: d.phashMax,
    minInliers: VERIFY_DEFAULTS.minInliers,
  };
  const options = { minEach: MIN_EACH, inliersFloor: VERIFY_DEFAULTS.minInliers };
  const dup = pairs.filter((p) => p.duplicate).length;
  console.log(
    `Candidate pairs: ${pairs.length} (${dup} copies of one original, ${pairs.length - dup} not); seed 1 splits them in half.\n`,
  );

  const [decided, heldOut] = split(pairs, 1);
  const fits = calibrateDedup(decided, current, options);
  console.log('## Held-out agreement, current defaults vs suggested (seed 1)\n');
  console.log(
    '| signal -> setting | decided dup / not | current | P | R | F1 | MCC | TP/FP/FN/TN | suggested | P | R | F1 | MCC | TP/FP/FN/TN |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const signal of CALIBRATED_SIGNALS) {
    const fit = fits[signal];
    const obs = observations(heldOut, signal, current.phashMax);
    const now = agreementAt(obs, fit.current.threshold, DIRECTION[signal]);
    const next = fit.suggested ? agreementAt(obs, fit.suggested.threshold, DIRECTION[signal]) : null;
    console.log(
      `| ${signal} -> ${SIGNAL_SETTING[signal]} | ${fit.duplicates} / ${fit.notDuplicates} | ${cell(now)} | ${next ? cell(next) : 'not enough decisions | | | | |'} |`,
    );
  }

  const applied = { ...d };
  for (const signal of ['cosine', 'cosine_near', 'phash'] as const) {
    const t = fits[signal].suggested?.threshold;
    if (t !== undefined) Object.assign(applied, { [SIGNAL_SETTING[signal]]: t });
  }
  console.log(
    '\n## What the groups become with the seed-1 suggestions applied (whole set, sweep without verification)\n',
  );
  console.log(
    '| thresholds | P exact+near | R exact+near | P all tiers | R all tiers |\n| --- | --- | --- | --- | --- |',
  );
  for (const [name, t] of [
    ['defaults', d],
    [
      `suggested (cosineSimilar ${applied.cosineSimilar}, cosineNear ${applied.cosineNear}, phashMax ${applied.phashMax})`,
      applied,
    ],
  ] as const) {
    const e = await evaluateNearCopies(t);
    console.log(
      `| ${name} | ${pct(e.exactNear.precision)} | ${pct(e.exactNear.recall)} | ${pct(e.all.precision)} | ${pct(e.all.recall)} |`,
    );
  }

  const seeds = Array.from({ length: 20 }, (_, i) => i + 2);
  for (const noise of [0, 0.05]) {
    console.log(
      `\n## MCC (the fit's objective) on the held-out half over ${seeds.length} more seeds${noise ? `, ${pct(noise)} of the simulated decisions flipped` : ''}\n`,
    );
    console.log(
      '| signal | current MCC (mean) | suggested MCC (mean) | gain min / mean / max | seeds improved / same / worse | suggested thresholds |',
    );
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const signal of CALIBRATED_SIGNALS) {
      const gains: number[] = [];
      const nows: number[] = [];
      const nexts: number[] = [];
      const chosen = new Map<number, number>();
      for (const seed of seeds) {
        const [train, test] = split(pairs, seed);
        const rnd = random(seed * 7919);
        const noisy = train.map((p) => (rnd() < noise ? { ...p, duplicate: !p.duplicate } : p));
        const fit = calibrateDedup(noisy, current, options)[signal];
        const obs = observations(test, signal, current.phashMax);
        const now = agreementAt(obs, fit.current.threshold, DIRECTION[signal]).mcc;
        const t = fit.suggested?.threshold ?? fit.current.threshold;
        const next = agreementAt(obs, t, DIRECTION[signal]).mcc;
        chosen.set(t, (chosen.get(t) ?? 0) + 1);
        nows.push(now);
        nexts.push(next);
        gains.push(next - now);
      }
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      const better = gains.filter((g) => g > 1e-9).length;
      const worse = gains.filter((g) => g < -1e-9).length;
      const picks = [...chosen.entries()]
        .sort((x, y) => y[1] - x[1])
        .map(([t, n]) => `${t} (${n})`)
        .join(', ');
      console.log(
        `| ${signal} | ${mean(nows).toFixed(3)} | ${mean(nexts).toFixed(3)} | ${Math.min(...gains).toFixed(3)} / ${mean(gains).toFixed(3)} / ${Math.max(...gains).toFixed(3)} | ${better} / ${seeds.length - better - worse} / ${worse} | ${picks} |`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
