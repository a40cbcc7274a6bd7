/**
 * The sweep with geometric verification at scale: n synthetic images in groups of 1-5 copies,
 * each image carrying the real local features of a dev-nearcopies image (a group's copies are one
 * photo and its transformed copies; kNN lists hold the group mates, then images of other photos),
 * verified in the OpenCV worker pool (LOCAL_FEATURES_THREADS, default half the cores) with the
 * verdicts kept in SQL (PGlite, the embedded mode's database) as the dedup service keeps them.
 * Each size runs the sweep twice: the first verifies every candidate, the second (a re-scan)
 * reads the verdicts back.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/sweep-verify-scale.ts 1000 10000
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  encodeLocalFeatures,
  extractLocalFeatures,
  featureSignature,
  greyFromBytes,
  LocalFeaturePool,
  reverseGeometry,
  type PairGeometry,
} from '@lookalike/local-features';
import { openDatabase, PairVerificationRepository } from '@lookalike/persistence';
import { DEFAULT_VERIFICATION, runSweep, type Neighbour } from '../src/domain/dedup-sweep';
import type { DedupImage } from '../src/domain/dedup-image';
import { defaultThresholds } from '../src/domain/dedup-thresholds';
import { VERIFICATION_METHOD } from '../src/repositories/local-features.repository';
import { baseOf, loadNearCopies, NEAR_COPIES_DIR } from '../test/support/near-copies-fixture';

const ROOT = resolve(__dirname, '../../..');
const CACHE = join(ROOT, '.bench', `near-copies-features-${featureSignature()}`);

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function flipBits(hex: string, bits: number, next: () => number): string {
  let out = BigInt(`0x${hex}`);
  for (let i = 0; i < bits; i += 1) out ^= 1n << BigInt(Math.floor(next() * 64));
  return out.toString(16).padStart(16, '0');
}

/** Encoded features of every dev-nearcopies image, by photo (an original and its copies). */
async function featureFamilies(): Promise<Buffer[][]> {
  const byBase = new Map<string, Buffer[]>();
  for (const im of loadNearCopies().images) {
    const cached = join(CACHE, `${im.file}.lkf`);
    const bytes = existsSync(cached)
      ? readFileSync(cached)
      : Buffer.from(
          encodeLocalFeatures(
            await extractLocalFeatures(
              await greyFromBytes(readFileSync(join(NEAR_COPIES_DIR, 'images', im.file))),
            ),
          ),
        );
    const base = baseOf(im.file);
    byBase.set(base, [...(byBase.get(base) ?? []), bytes]);
  }
  // Photos with copies only: each group takes distinct members of one family.
  return [...byBase.values()].filter((f) => f.length > 1);
}

async function bench(n: number, families: Buffer[][], pool: LocalFeaturePool): Promise<void> {
  const next = random(n);
  const images: DedupImage[] = [];
  const featuresOf = new Map<string, Buffer>();
  const groupOf: number[] = [];
  const familyOf: number[] = [];
  let group = 0;
  while (images.length < n) {
    const family = group % families.length;
    const members = families[family]!;
    const size = Math.min(1 + Math.floor(next() * 5), members.length);
    const start = Math.floor(next() * members.length);
    const base = Array.from({ length: 16 }, () => Math.floor(next() * 16).toString(16)).join('');
    for (let j = 0; j < size && images.length < n; j += 1) {
      const i = images.length;
      const imageId = `01J${String(i).padStart(23, '0')}`;
      images.push({
        imageId,
        sha256: `${i}`.padEnd(64, 'a'),
        phash: j === 0 ? base : flipBits(base, Math.floor(next() * 5), next),
        qualityScore: next(),
        width: 640,
        height: 480,
        format: 'jpeg',
        createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      });
      featuresOf.set(imageId, members[(start + j) % members.length]!);
      groupOf.push(group);
      familyOf.push(family);
    }
    group += 1;
  }
  const mates = new Map<number, number[]>();
  groupOf.forEach((g, i) => mates.set(g, [...(mates.get(g) ?? []), i]));
  const k = 10;
  const neighbours = new Map<string, Neighbour[]>();
  for (let i = 0; i < n; i += 1) {
    const own = (mates.get(groupOf[i]!) ?? [])
      .filter((j) => j !== i)
      .map((j) => ({ id: images[j]!.imageId, score: 0.85 + next() * 0.1 }));
    const others: Neighbour[] = [];
    while (own.length + others.length < k) {
      const j = Math.floor(next() * n);
      // Another photo: a different family (two groups of one family are copies of each other).
      if (familyOf[j] !== familyOf[i]) others.push({ id: images[j]!.imageId, score: 0.5 + next() * 0.3 });
    }
    neighbours.set(
      images[i]!.imageId,
      [...own, ...others].sort((a, b) => b.score - a.score),
    );
  }

  const dir = mkdtempSync(join(tmpdir(), 'lookalike-sweep-verify-'));
  const db = await openDatabase({ embedded: { dataDir: dir } });
  const store = new PairVerificationRepository(db);
  try {
    for (const run of ['first sweep', 're-scan'] as const) {
      const before = pool.usage.verify;
      let sqlMs = 0;
      const started = performance.now();
      const result = await runSweep({
        images,
        neighbours,
        cosines: async (pairs) => pairs.map(() => 0.5),
        thresholds: defaultThresholds('mobilenet'),
        keepRules: ['quality', 'resolution', 'format', 'age'],
        notDuplicate: new Set(),
        verification: {
          ...DEFAULT_VERIFICATION,
          // As the dedup service does: stored verdicts first, the rest matched and stored.
          verify: async (pairs) => {
            const ordered = pairs.map(([a, b]) => (a < b ? ([a, b] as const) : ([b, a] as const)));
            const t = performance.now();
            const stored = await store.find<PairGeometry>('bench', VERIFICATION_METHOD, ordered);
            sqlMs += performance.now() - t;
            const known = new Map(stored.map((r) => [`${r.imageA}:${r.imageB}`, r.geometry]));
            const out: (PairGeometry | null)[] = ordered.map(([a, b]) => known.get(`${a}:${b}`) ?? null);
            const missing = ordered.map((_, i) => i).filter((i) => out[i] === null);
            // One task per pair's first image, as StoredFeatures groups them.
            const byA = new Map<string, number[]>();
            for (const i of missing) byA.set(ordered[i]![0], [...(byA.get(ordered[i]![0]) ?? []), i]);
            // A few tasks in flight per thread: the pool's queue is bounded (it answers busy beyond).
            const tasks = [...byA];
            for (let t = 0; t < tasks.length; t += 8 * pool.threads) {
              await Promise.all(
                tasks.slice(t, t + 8 * pool.threads).map(async ([a, idx]) => {
                  const results = await pool.verify(
                    featuresOf.get(a)!,
                    idx.map((i) => featuresOf.get(ordered[i]![1])!),
                  );
                  idx.forEach((i, x) => (out[i] = results[x]!));
                }),
              );
            }
            const t2 = performance.now();
            await store.save(
              'bench',
              VERIFICATION_METHOD,
              missing.map((i) => ({
                imageA: ordered[i]![0],
                imageB: ordered[i]![1],
                verified: out[i]!.verified,
                geometry: out[i]!.verified ? out[i]! : { ...out[i]!, points: [], homography: null },
              })),
            );
            sqlMs += performance.now() - t2;
            return out.map((g, i) => (g && pairs[i]![0] !== ordered[i]![0] ? reverseGeometry(g) : g));
          },
        },
      });
      const ms = performance.now() - started;
      const after = pool.usage.verify;
      const v = result.stats.verification;
      const trueGroups = new Set(groupOf.filter((g) => (mates.get(g)?.length ?? 0) > 1)).size;
      console.log(
        `| ${n.toLocaleString('en')} | ${run} | ${(ms / 1000).toFixed(1)} s | ${((ms / n) * 1000).toFixed(0)} µs | ${(v.checked + v.expanded).toLocaleString('en')} (${((v.checked + v.expanded) / n).toFixed(1)}) | ${(after.items - before.items).toLocaleString('en')} | ${(after.seconds - before.seconds).toFixed(1)} s | ${(sqlMs / 1000).toFixed(1)} s | ${result.stats.groups.near.toLocaleString('en')} near (${trueGroups.toLocaleString('en')} true groups of 2+) |`,
      );
    }
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

(async () => {
  const families = await featureFamilies();
  const pool = new LocalFeaturePool({
    threads: Number(process.env.LOCAL_FEATURES_THREADS ?? 0) || undefined,
  });
  console.log(
    `dev-nearcopies features (${featureSignature()}), ${families.length} photos with copies; ${pool.threads} worker threads\n`,
  );
  console.log(
    '| images | run | wall | per image | pairs to verify (per image) | pairs matched | matching CPU | SQL | groups |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  try {
    for (const n of process.argv.slice(2).map(Number)) await bench(n, families, pool);
  } finally {
    await pool.close();
  }
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
