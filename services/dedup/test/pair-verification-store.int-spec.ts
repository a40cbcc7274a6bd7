import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lookalike/config';
import { LocalFeatureWorkers } from '@lookalike/local-features';
import { createObjectStore, type ObjectStore } from '@lookalike/object-store';
import { openDatabase, type LookalikeDataSource } from '@lookalike/persistence';
import { dedupEnvSchema } from '../src/dedup.config';
import { LocalFeaturesRepository } from '../src/repositories/local-features.repository';
import { NEAR_COPIES_DIR } from './support/near-copies-fixture';
import { imageIdFor } from './support/quality-stores';

/**
 * Each pair is verified once: the verdict lands in SQL (PGlite here, the embedded mode's own) and a
 * later call, or a new process on the same database, reads it instead of matching again.
 */
describe('pair verifications kept in SQL', () => {
  let dir: string;
  let dataSource: LookalikeDataSource;
  let objects: ObjectStore;
  const settings = { LOCAL_FEATURES: true, LOCAL_FEATURES_THREADS: 1 };
  const workers: LocalFeatureWorkers[] = [];
  const config = loadConfig(dedupEnvSchema, {});
  const files = ['horse.jpg', 'horse__crop80.jpg', 'horse__hflip.jpg', 'rocket.jpg'];
  const sources = files.map((file, i) => ({ imageId: imageIdFor(i + 1), key: `o/2026/01/${file}` }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-pairs-'));
    dataSource = await openDatabase({ embedded: { dataDir: join(dir, 'sql') } });
    objects = await createObjectStore({
      kind: 'local',
      dir: join(dir, 'objects'),
      baseUrl: 'http://127.0.0.1:1/api/objects',
      signingKey: 'k'.repeat(64),
    });
    for (const [i, file] of files.entries()) {
      await objects.put(sources[i]!.key, await readFile(join(NEAR_COPIES_DIR, 'images', file)), {
        contentType: 'image/jpeg',
      });
    }
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) await w.onModuleDestroy();
    await dataSource?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  function repository(): { repo: LocalFeaturesRepository; workers: LocalFeatureWorkers } {
    const w = new LocalFeatureWorkers(settings);
    workers.push(w);
    return { repo: new LocalFeaturesRepository(config, objects, dataSource, w), workers: w };
  }

  it('verifies a pair once, across calls, directions and a restart', async () => {
    const first = repository();
    const [horse, crop, flip, rocket] = sources as [
      (typeof sources)[0],
      (typeof sources)[0],
      (typeof sources)[0],
      (typeof sources)[0],
    ];
    const pool = first.workers.pool!;
    const before = pool.usage.verify.items;
    const asked = [
      [horse, crop],
      [flip, horse],
      [horse, rocket],
    ] as const;
    const fresh = await first.repo.verify('owner-1', asked);
    expect(fresh.map((g) => g?.verified)).toEqual([true, true, false]);
    expect(pool.usage.verify.items - before).toBe(3);
    // An unverified pair is kept compact: outcome and counts, no points.
    expect(fresh[2]).toMatchObject({ verified: false, points: [], homography: null });

    // A new repository (a restart: its memory cache is empty) over the same database.
    const second = repository();
    const again = await second.repo.verify('owner-1', [
      [crop, horse],
      [horse, flip],
      [rocket, horse],
    ]);
    expect(pool.usage.verify.items - before).toBe(3);
    expect(again.map((g) => g?.verified)).toEqual([true, true, false]);
    // Read in the other direction: the same evidence, seen from the other image.
    expect(again[0]!.inliers).toBe(fresh[0]!.inliers);
    expect(again[0]!.regionA).toEqual(fresh[0]!.regionB);
    expect(again[1]!.mirrored).toBe(true);

    // Another tenant's pairs are its own.
    await second.repo.verify('owner-2', [[horse, crop]]);
    expect(pool.usage.verify.items - before).toBe(4);

    // The upload check's way: no lookup, verdicts held until one save.
    const pending: Parameters<LocalFeaturesRepository['save']>[1][number][] = [];
    const held = await repository().repo.verify('owner-3', [[crop, flip]], { lookup: false, pending });
    expect(held[0]!.verified).toBe(true);
    expect(pending).toHaveLength(1);
    expect(await second.repo.knownVerified('owner-3', [[crop.imageId, flip.imageId]])).toEqual([null]);
    await second.repo.save('owner-3', pending);
    const known = await second.repo.knownVerified('owner-3', [[flip.imageId, crop.imageId]]);
    expect(known[0]).toMatchObject({ verified: true, inliers: held[0]!.inliers });
  }, 120_000);
});
