import { localFeaturesKey } from '@lookalike/local-features';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Subjects } from '@lookalike/contracts';
import type { BusSubscription } from '@lookalike/messaging';
import { derivedObjectKey, generateObjectKey } from '@lookalike/object-store';
import { originalServesAsPreview } from '@lookalike/imaging';
import { JobRepository } from '@lookalike/persistence';
import { createVectorStore } from '@lookalike/vector-store';
import { IngestProcess } from './support/ingest-process';
import { serveStandInEmbedding } from './support/ingest-stand-ins';

const NEAR_COPIES = '/work/shared/datasets/dev-nearcopies/images';
const OWNER = 'crash-owner';

jest.setTimeout(240_000);

/**
 * Distributed mode: the ingest service runs as its own process over NATS with JetStream jobs and
 * PostgreSQL. A batch is submitted, the process is killed with SIGKILL while items are in flight,
 * a new process is started, and the end state must be what an uninterrupted run gives.
 */
describe('batch ingest survives kill -9 of the ingest process (distributed)', () => {
  let ingest: IngestProcess;
  let embedding: BusSubscription;
  const calls = { count: 0 };

  beforeAll(async () => {
    ingest = await IngestProcess.open('crash', { BATCH_CONCURRENCY: '3' });
    // A slow embedding service keeps items in flight when the process is killed.
    embedding = await serveStandInEmbedding(ingest.bus, ingest.dataDir, calls, { delayMs: 150 });
  });

  afterAll(async () => {
    await embedding?.unsubscribe();
    await ingest?.close();
  });

  async function job(jobId: string) {
    return ingest.rpc.send(Subjects.IngestGetJob, { caller: { ownerUserId: OWNER, userId: OWNER }, jobId });
  }

  it('indexes every accepted image exactly once and leaves nothing orphaned', async () => {
    const { rpc, store, db, dataDir } = ingest;
    const files = (await readdir(NEAR_COPIES)).sort().slice(0, 24);
    const items: { bucket: string; key: string; tags: string[] }[] = [];
    for (const file of files) {
      const bytes = await readFile(join(NEAR_COPIES, file));
      const key = generateObjectKey(OWNER, file.split('.').pop() ?? 'bin');
      await store.put(key, bytes, { contentType: 'application/octet-stream' });
      items.push({ bucket: store.bucket, key, tags: ['crash'] });
    }
    // The same bytes twice more under new keys, and one file that is not an image.
    const again = await readFile(join(NEAR_COPIES, files[0]));
    for (let i = 0; i < 2; i += 1) {
      const key = generateObjectKey(OWNER, 'jpg');
      await store.put(key, again, { contentType: 'image/jpeg' });
      items.push({ bucket: store.bucket, key, tags: [] });
    }
    const textKey = generateObjectKey(OWNER, 'jpg');
    await store.put(textKey, Buffer.from('this is not an image at all'), { contentType: 'image/jpeg' });
    items.push({ bucket: store.bucket, key: textKey, tags: [] });

    await ingest.start();
    const { jobId } = await rpc.send(Subjects.IngestBatch, {
      caller: { ownerUserId: OWNER, userId: OWNER },
      items,
    });

    // Kill while the batch is part-way: some chunks recorded, items of the next one in flight.
    for (;;) {
      const current = await job(jobId);
      if (current.done >= 6) break;
      expect(current.state).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 100));
    }
    const callsBeforeKill = calls.count;
    await ingest.kill();
    // The service is gone: read its job row straight from PostgreSQL.
    const killedAt = await new JobRepository(db).get(OWNER, jobId);
    expect(killedAt?.state).toBe('running');
    expect(killedAt?.done).toBeLessThan(items.length);

    await ingest.start();
    let final = await job(jobId);
    const deadline = Date.now() + 150_000;
    while (final.state !== 'succeeded' && final.state !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      final = await job(jobId);
    }
    expect(final).toMatchObject({ state: 'succeeded', done: items.length, total: items.length });
    expect(final.failures).toEqual([
      expect.objectContaining({ item: textKey, code: 'unsupported_media_type' }),
    ]);
    expect(calls.count).toBeGreaterThan(callsBeforeKill);

    // One indexed row per distinct image.
    const listed = await rpc.send(Subjects.IngestListImages, {
      caller: { ownerUserId: OWNER, userId: OWNER },
      limit: 200,
    });
    expect(listed.images).toHaveLength(files.length);
    expect(listed.images.every((i) => i.status === 'indexed')).toBe(true);
    expect(new Set(listed.images.map((i) => i.payload?.sha256)).size).toBe(files.length);

    // One vector per row.
    const vectors = createVectorStore({ kind: 'lancedb', dir: join(dataDir, 'lancedb') });
    try {
      expect(await vectors.count(OWNER)).toBe(files.length);
    } finally {
      await vectors.close();
    }

    // Objects: each row's original and thumbnails; the duplicate and rejected uploads are gone.
    const expected = new Set<string>();
    for (const image of listed.images) {
      const key = image.payload?.key ?? '';
      expected.add(key);
      expected.add(derivedObjectKey(key, 'thumb256', 'webp'));
      // A small browser-ready original is its own preview: no 1024 px thumbnail then.
      if (!originalServesAsPreview(image.payload!)) expected.add(derivedObjectKey(key, 'thumb1024', 'webp'));
      expected.add(localFeaturesKey(key));
    }
    const stored: string[] = [];
    for await (const object of store.list(`${OWNER}/`)) stored.push(object.key);
    expect(stored.sort()).toEqual([...expected].sort());
  });
});
