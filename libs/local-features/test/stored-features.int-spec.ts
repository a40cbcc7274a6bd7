import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '@lookalike/object-store';
import {
  greyFromBytes,
  LOCAL_FEATURES_MIME,
  LocalFeaturePool,
  localFeaturesKey,
  StoredFeatures,
} from '../src';

const IMAGES = join(__dirname, '../../../../shared/datasets/dev-nearcopies/images');

/** A real local store and worker pool; the verdict cache is off so that every call needs the files. */
describe('StoredFeatures (feature files from a real local store)', () => {
  let dir: string;
  let objects: LocalObjectStore;
  let pool: LocalFeaturePool;
  const horse = { imageId: 'horse', key: 'alice/horse.jpg' };
  const crop = { imageId: 'crop', key: 'alice/horse__crop80.jpg' };
  const rocket = { imageId: 'rocket', key: 'alice/rocket.jpg' };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stored-features-'));
    objects = new LocalObjectStore({ dir, baseUrl: 'http://127.0.0.1:1', signingKey: 'k'.repeat(32) });
    await objects.init();
    pool = new LocalFeaturePool({ threads: 1 });
    for (const source of [horse, crop, rocket]) {
      const bytes = await readFile(join(IMAGES, source.key.slice('alice/'.length)));
      await objects.put(source.key, bytes, { contentType: 'image/jpeg' });
      if (source !== rocket) {
        const features = await pool.extract(await greyFromBytes(bytes));
        await objects.put(localFeaturesKey(source.key), features, { contentType: LOCAL_FEATURES_MIME });
      }
    }
  });

  afterAll(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  const pairs = [
    [horse, crop],
    [crop, horse],
  ] as const;

  it('reads each feature file from the store once and then from memory, with the same verdicts', async () => {
    const uncached = new StoredFeatures(objects, pool, { cacheSize: 0 });
    const cached = new StoredFeatures(objects, pool, { cacheSize: 0, fileCacheBytes: 8 << 20 });

    const expected = await uncached.verify(pairs);
    await uncached.verify(pairs);
    expect(uncached.fileCacheStats).toEqual({ hits: 0, misses: 4 });
    expect(expected.map((g) => g?.verified)).toEqual([true, true]);

    expect(await cached.verify(pairs)).toEqual(expected);
    expect(cached.fileCacheStats).toEqual({ hits: 0, misses: 2 });
    expect(await cached.verify(pairs)).toEqual(expected);
    expect(cached.fileCacheStats).toEqual({ hits: 2, misses: 2 });
  });

  it('remembers verdicts up to cacheSize pairs, the least recently used forgotten first', async () => {
    const tasks: number[] = [];
    const off = pool.onUsage((op, items) => {
      if (op === 'verify') tasks.push(items);
    });
    try {
      const remembering = new StoredFeatures(objects, pool, { cacheSize: 2 });
      const expected = await remembering.verify(pairs);
      const verified = () => tasks.reduce((a, b) => a + b, 0);
      expect(verified()).toBe(2);
      // Both pairs are remembered: no work, the same verdicts; horse > crop is now the more recent.
      expect(await remembering.verify([pairs[0]])).toEqual([expected[0]]);
      expect(verified()).toBe(2);
      // A third pair pushes out the least recently used one (crop > horse; a FIFO would drop the other).
      await remembering.verify([[crop, crop]]);
      expect(verified()).toBe(3);
      expect(await remembering.verify([pairs[0]])).toEqual([expected[0]]);
      expect(verified()).toBe(3);
      expect(await remembering.verify([pairs[1]])).toEqual([expected[1]]);
      expect(verified()).toBe(4);
    } finally {
      off();
    }
  });

  it('keeps the file it extracted from the original for an image without one', async () => {
    const cached = new StoredFeatures(objects, pool, { cacheSize: 0, fileCacheBytes: 8 << 20 });
    const made = await cached.features(rocket);
    expect(made).not.toBeNull();
    expect(await objects.head(localFeaturesKey(rocket.key))).toMatchObject({ size: made!.length });
    expect(await cached.features(rocket)).toBe(made);
    expect(cached.fileCacheStats).toEqual({ hits: 1, misses: 1 });
  });

  it('reads again a file larger than an eighth of the budget rather than keep it', async () => {
    const tight = new StoredFeatures(objects, pool, { cacheSize: 0, fileCacheBytes: 1024 });
    const first = await tight.features(horse);
    expect(first!.length).toBeGreaterThan(1024 / 8);
    expect(await tight.features(horse)).toEqual(first);
    expect(tight.fileCacheStats).toEqual({ hits: 0, misses: 2 });
  });
});
