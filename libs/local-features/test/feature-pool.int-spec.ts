import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  decodeLocalFeatures,
  encodeLocalFeatures,
  extractLocalFeatures,
  greyFromBytes,
  LocalFeaturePool,
  LocalFeatureWorkers,
  verifyPair,
} from '../src';

const IMAGES = join(__dirname, '../../../../shared/datasets/dev-nearcopies/images');
const grey = (file: string) => greyFromBytes(readFileSync(join(IMAGES, file)));

describe('LocalFeaturePool (worker threads with their own OpenCV)', () => {
  let pool: LocalFeaturePool;

  beforeAll(() => {
    pool = new LocalFeaturePool({ threads: 1 });
  });

  afterAll(async () => {
    await pool.close();
  });

  it('extracts and verifies in a worker exactly what the same code gives in this thread', async () => {
    const [a, b] = await Promise.all([grey('horse.jpg'), grey('horse__crop80.jpg')]);
    const [bytesA, bytesB] = await Promise.all([pool.extract(a), pool.extract(b)]);
    const here = await extractLocalFeatures(a);
    expect(decodeLocalFeatures(bytesA)).toEqual(here);
    const [geometry] = await pool.verify(bytesA, [bytesB]);
    expect(geometry).toEqual(await verifyPair(here, await extractLocalFeatures(b)));
    expect(geometry!.verified).toBe(true);
  });

  it('takes the pixels given away instead of a copy, and copies a view into a larger buffer', async () => {
    const a = await grey('horse.jpg');
    const expected = decodeLocalFeatures(await pool.extract(a));

    const owned = { ...a, data: Uint8Array.from(a.data) };
    expect(decodeLocalFeatures(await pool.extract(owned, undefined, { giveAway: true }))).toEqual(expected);
    expect(owned.data.byteLength).toBe(0);

    const backing = new Uint8Array(a.data.length + 16);
    backing.set(a.data, 8);
    const view = { ...a, data: backing.subarray(8, 8 + a.data.length) };
    expect(decodeLocalFeatures(await pool.extract(view, undefined, { giveAway: true }))).toEqual(expected);
    expect(view.data).toEqual(a.data);
  });

  it('counts its busy time per image and per pair, for /metrics', async () => {
    const before = pool.usage;
    const seen: [string, number, number][] = [];
    const off = pool.onUsage((op, items, seconds) => seen.push([op, items, seconds]));
    const [a, b] = await Promise.all([grey('rocket.jpg'), grey('rocket__resize50.jpg')]);
    const [bytesA, bytesB] = await Promise.all([pool.extract(a), pool.extract(b)]);
    await pool.verify(bytesA, [bytesB, bytesA]);
    off();
    await pool.verify(bytesB, [bytesA]);
    expect(seen.map(([op, items]) => [op, items])).toEqual([
      ['extract', 1],
      ['extract', 1],
      ['verify', 2],
    ]);
    for (const [, , seconds] of seen) expect(seconds).toBeGreaterThan(0);
    const after = pool.usage;
    expect(after.extract.items - before.extract.items).toBe(2);
    expect(after.verify.items - before.verify.items).toBe(3);
    // An extraction is about a millisecond (native, a small image on a fast machine: 0.96 ms seen)
    // to tens of milliseconds (OpenCV.js) of one thread: not nothing and not seconds.
    const perImage = (after.extract.seconds - before.extract.seconds) / 2;
    expect(perImage).toBeGreaterThan(0.0002);
    expect(perImage).toBeLessThan(2);
  });

  it('keeps the event loop free while it works', async () => {
    const bytes = encodeLocalFeatures(await extractLocalFeatures(await grey('coffee.jpg')));
    const others = await Promise.all(
      ['coffee__blur.jpg', 'coffee__hflip.jpg', 'astronaut.jpg', 'rocket.jpg'].map(async (f) =>
        encodeLocalFeatures(await extractLocalFeatures(await grey(f))),
      ),
    );
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    await Promise.all(Array.from({ length: 6 }, () => pool.verify(bytes, others)));
    lag.disable();
    // 24 verifications of ~10-20 ms each ran meanwhile; on this thread the loop would stall that long.
    expect(lag.max / 1e6).toBeLessThan(100);
  });

  it('answers busy when its queue is full, instead of queueing without bound', async () => {
    const small = new LocalFeaturePool({ threads: 1, maxQueue: 1 });
    try {
      const g = await grey('astronaut.jpg');
      const settled = await Promise.allSettled(Array.from({ length: 5 }, () => small.extract(g)));
      expect(settled.filter((s) => s.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      for (const r of rejected) expect(r.reason).toMatchObject({ code: 'busy', retryAfterSeconds: 1 });
    } finally {
      await small.close();
    }
  });

  it('gives the modules of one process one pool, closed with the last of them', async () => {
    const settings = { LOCAL_FEATURES: true, LOCAL_FEATURES_THREADS: 1 };
    const ingest = new LocalFeatureWorkers(settings);
    const dedup = new LocalFeatureWorkers({ ...settings });
    expect(dedup.pool).toBe(ingest.pool);
    await ingest.onModuleDestroy();
    await ingest.onModuleDestroy();
    // Still open for the other holder.
    expect((await dedup.pool!.extract(await grey('astronaut.jpg'))).length).toBeGreaterThan(0);
    await dedup.onModuleDestroy();
    const later = new LocalFeatureWorkers(settings);
    expect(later.pool).not.toBe(ingest.pool);
    await later.onModuleDestroy();
    expect(new LocalFeatureWorkers({ LOCAL_FEATURES: false, LOCAL_FEATURES_THREADS: 1 }).pool).toBeNull();
  });
});
