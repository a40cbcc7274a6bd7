/**
 * Cost levers of geometric verification on dev-nearcopies: feature options (grey side, keypoints,
 * ORB levels) against extraction ms, verification ms per pair and exact+near P/R; and the cosine
 * of the pairs verification accepts, true copies or not (would a cosine floor on the candidates
 * save matching?). One thread, in process.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/verify-levers.ts
 *
 * LEVERS=0,3 picks option sets by index (all by default); RANSAC_ITERATIONS overrides the cap;
 * STAGES=1 times findHomography and warpPerspective per pair, with the outcomes;
 * LOCAL_FEATURES_RUNTIME=native|wasm picks the OpenCV (default auto).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  extractWith,
  FEATURE_DEFAULTS,
  cvOps,
  greyFromBytes,
  verifyWith,
  VERIFY_DEFAULTS,
  type FeatureOptions,
  type LocalFeatures,
  type PairGeometry,
} from '@lookalike/local-features';
import { DEFAULT_VERIFICATION } from '../src/domain/dedup-sweep';
import { defaultThresholds } from '../src/domain/dedup-thresholds';
import { evaluateNearCopies } from '../test/support/near-copies-eval';
import { baseOf, loadNearCopies, NEAR_COPIES_DIR } from '../test/support/near-copies-fixture';

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  const cv = {
    ...(await cvOps((process.env.LOCAL_FEATURES_RUNTIME ?? 'auto') as 'auto' | 'native' | 'wasm')),
  };
  console.log(`OpenCV ${cv.runtime} (${cv.version})`);
  const { images } = loadNearCopies();
  const stage: Record<string, { ms: number; calls: number }> = {};
  const timed = (owner: Record<string, unknown>, name: string): void => {
    const original = owner[name] as (...args: unknown[]) => unknown;
    const wrapper = function (this: unknown, ...args: unknown[]) {
      const t = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const s = (stage[name] ??= { ms: 0, calls: 0 });
        s.ms += performance.now() - t;
        s.calls += 1;
      }
    };
    owner[name] = wrapper;
  };
  if (process.env.STAGES) {
    timed(cv as unknown as Record<string, unknown>, 'findHomography');
    timed(cv as unknown as Record<string, unknown>, 'warpPerspective');
  }
  const vec = new Map(images.map((im) => [im.file, im.vector]));
  const dot = (a: string, b: string): number => {
    const x = vec.get(a)!;
    const y = vec.get(b)!;
    let s = 0;
    for (let i = 0; i < x.length; i += 1) s += x[i]! * y[i]!;
    return s;
  };
  // The analysis luma of each image, once: extraction fits it to each option set's side.
  const greys = new Map<string, Awaited<ReturnType<typeof greyFromBytes>>>();
  for (const im of images) {
    greys.set(im.file, await greyFromBytes(readFileSync(join(NEAR_COPIES_DIR, 'images', im.file))));
  }
  const iterations = Number(process.env.RANSAC_ITERATIONS ?? VERIFY_DEFAULTS.ransacIterations);
  const verifyOptions = { ...VERIFY_DEFAULTS, ransacIterations: iterations };
  console.log(`RANSAC iterations ${iterations}`);
  const sets: FeatureOptions[] = [
    FEATURE_DEFAULTS,
    { ...FEATURE_DEFAULTS, levels: 6 },
    { ...FEATURE_DEFAULTS, side: 512, levels: 6 },
    { ...FEATURE_DEFAULTS, side: 512, keypoints: 400, levels: 6 },
    { ...FEATURE_DEFAULTS, side: 480, keypoints: 300, levels: 5 },
    { ...FEATURE_DEFAULTS, keypoints: 300 },
    { ...FEATURE_DEFAULTS, side: 480, keypoints: 400, levels: 5 },
    { ...FEATURE_DEFAULTS, side: 512, keypoints: 300, levels: 6 },
    { ...FEATURE_DEFAULTS, side: 400, keypoints: 300, levels: 5 },
  ];
  const only = process.env.LEVERS ? process.env.LEVERS.split(',').map(Number) : sets.map((_, i) => i);
  console.log(
    '| side | keypoints | levels | extract ms | verify ms/pair | pairs | P e+n | R e+n | P all | R all |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const i of only) {
    const options = sets[i]!;
    const features = new Map<string, LocalFeatures>();
    const t0 = performance.now();
    for (const im of images) features.set(im.file, extractWith(cv, greys.get(im.file)!, options));
    const extractMs = (performance.now() - t0) / images.length;
    let verifyMs = 0;
    const seen = new Map<string, PairGeometry>();
    const log: { cos: number; truth: boolean; g: PairGeometry }[] = [];
    const e = await evaluateNearCopies(defaultThresholds('mobilenet'), 10, {
      ...DEFAULT_VERIFICATION,
      verify: async (pairs) =>
        pairs.map(([a, b]) => {
          const key = `${a}|${b}`;
          const known = seen.get(key);
          if (known) return known;
          const t = performance.now();
          const r = verifyWith(cv, features.get(a)!, features.get(b)!, verifyOptions);
          verifyMs += performance.now() - t;
          seen.set(key, r);
          log.push({ cos: dot(a, b), truth: baseOf(a) === baseOf(b), g: r });
          return r;
        }),
    });
    console.log(
      `| ${options.side} | ${options.keypoints} | ${options.levels} | ${extractMs.toFixed(1)} | ${(verifyMs / seen.size).toFixed(1)} | ${seen.size} | ${pct(e.exactNear.precision)} | ${pct(e.exactNear.recall)} | ${pct(e.all.precision)} | ${pct(e.all.recall)} |`,
    );
    if (process.env.STAGES) {
      console.log(
        JSON.stringify(
          Object.fromEntries(
            Object.entries(stage).map(([k, v]) => [
              k,
              { ms: +(v.ms / seen.size).toFixed(2), calls: v.calls },
            ]),
          ),
        ),
      );
      const outcomes: Record<string, number> = {};
      for (const r of seen.values()) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      console.log(JSON.stringify(outcomes));
      for (const k of Object.keys(stage)) delete stage[k];
    }
    if (i === only[0]) {
      const floors = [0, 0.3, 0.4, 0.5, 0.6, 0.7];
      for (const f of floors) {
        const kept = log.filter((l) => l.cos >= f);
        const tv = log.filter((l) => l.truth && l.g.verified);
        console.log(
          `  cos >= ${f}: pairs ${kept.length}/${log.length}, true verified kept ${tv.filter((l) => l.cos >= f).length}/${tv.length}, mirrored verified kept ${tv.filter((l) => l.g.mirrored && l.cos >= f).length}/${tv.filter((l) => l.g.mirrored).length}`,
        );
      }
      const failPlain = log.filter((l) => !l.g.verified || l.g.mirrored);
      console.log(
        `  pairs needing the mirror attempt: ${failPlain.length}/${log.length}; min cosine of mirrored true: ${Math.min(...log.filter((l) => l.truth && l.g.verified && l.g.mirrored).map((l) => l.cos)).toFixed(3)}`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
