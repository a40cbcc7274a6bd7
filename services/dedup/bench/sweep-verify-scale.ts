/**
 * The sweep with geometric verification at scale: n synthetic images in groups of 1-5 copies,
 * each image carrying the real local features of a dev-nearcopies image (a group's copies are one
 * photo and its transformed copies; kNN lists hold the group mates, then images of other photos),
 * verified through the dedup service's own `sweepVerification` and `LocalFeaturesRepository`:
 * feature files read from a local object store, matched in the OpenCV worker pool
 * (LOCAL_FEATURES_THREADS, default half the cores), verdicts kept in SQL (PGlite, the embedded
 * mode's database).
 * Each size runs the sweep twice: the first verifies every candidate, the second (a re-scan)
 * reads the verdicts back.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/sweep-verify-scale.ts 1000 10000
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@lookalike/config';
import {
  defaultFeatureThreads,
  encodeLocalFeatures,
  extractLocalFeatures,
  featureSignature,
  greyFromBytes,
  LOCAL_FEATURES_MIME,
  LocalFeatureWorkers,
  localFeaturesKey,
} from '@lookalike/local-features';
import { createObjectStore, type ObjectStore } from '@lookalike/object-store';
import { openDatabase } from '@lookalike/persistence';
import { runSweep, type Neighbour } from '../src/domain/dedup-sweep';
import { defaultThresholds } from '../src/domain/dedup-thresholds';
import { dedupEnvSchema } from '../src/dedup.config';
import type { IndexedImage } from '../src/repositories/image-index.repository';
import { LocalFeaturesRepository } from '../src/repositories/local-features.repository';
import { sweepVerification } from '../src/services/verification';
import { baseOf, loadNearCopies, NEAR_COPIES_DIR } from '../test/support/near-copies-fixture';
import { flipBits, random } from './synthetic';

const ROOT = resolve(__dirname, '../../..');
const CACHE = join(ROOT, '.bench', `near-copies-features-${featureSignature()}`);

/** The object key each dev-nearcopies image stands under; its feature file lies beside it. */
const keyOf = (file: string): string => `bench/2026/01/${file}`;

/**
 * Stores the feature file of every dev-nearcopies image (cached ones, else extracted) and returns
 * the files by photo (an original and its copies), photos with copies only.
 */
async function featureFamilies(objects: ObjectStore): Promise<string[][]> {
  const byBase = new Map<string, string[]>();
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
    await objects.put(localFeaturesKey(keyOf(im.file)), bytes, { contentType: LOCAL_FEATURES_MIME });
    const base = baseOf(im.file);
    byBase.set(base, [...(byBase.get(base) ?? []), im.file]);
  }
  return [...byBase.values()].filter((f) => f.length > 1);
}

async function bench(
  n: number,
  families: string[][],
  objects: ObjectStore,
  workers: LocalFeatureWorkers,
): Promise<void> {
  const pool = workers.pool!;
  const next = random(n);
  const images: IndexedImage[] = [];
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
        pointId: imageId,
        tags: [],
        key: keyOf(members[(start + j) % members.length]!),
      });
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
  const config = loadConfig(dedupEnvSchema, {});
  const repository = new LocalFeaturesRepository(config, objects, db, workers);
  // The SQL part of verification (the repository's verdict reads and writes): every statement on
  // this database, timed where it leaves for PGlite.
  let sqlMs = 0;
  const query = db.query.bind(db);
  db.query = (async (...args: Parameters<typeof query>) => {
    const t = performance.now();
    try {
      return await query(...args);
    } finally {
      sqlMs += performance.now() - t;
    }
  }) as typeof db.query;
  try {
    for (const run of ['first sweep', 're-scan'] as const) {
      const before = pool.usage.verify;
      sqlMs = 0;
      const started = performance.now();
      const result = await runSweep({
        images,
        neighbours,
        cosines: async (pairs) => pairs.map(() => 0.5),
        thresholds: defaultThresholds('mobilenet'),
        keepRules: ['quality', 'resolution', 'format', 'age'],
        notDuplicate: new Set(),
        verification: sweepVerification(repository, 'bench', config, images),
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
  const dir = mkdtempSync(join(tmpdir(), 'lookalike-sweep-objects-'));
  const objects = await createObjectStore({
    kind: 'local',
    dir,
    baseUrl: 'http://127.0.0.1:1/api/objects',
    signingKey: 'k'.repeat(64),
  });
  const workers = new LocalFeatureWorkers({
    LOCAL_FEATURES: true,
    LOCAL_FEATURES_THREADS: Number(process.env.LOCAL_FEATURES_THREADS ?? 0) || defaultFeatureThreads(),
  });
  try {
    const families = await featureFamilies(objects);
    console.log(
      `dev-nearcopies features (${featureSignature()}), ${families.length} photos with copies; ${workers.pool!.threads} worker threads\n`,
    );
    console.log(
      '| images | run | wall | per image | pairs to verify (per image) | pairs matched | matching CPU | SQL | groups |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const n of process.argv.slice(2).map(Number)) await bench(n, families, objects, workers);
  } finally {
    await workers.onModuleDestroy();
    rmSync(dir, { recursive: true, force: true });
  }
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
