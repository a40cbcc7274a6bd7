import { localFeaturesKey } from '@lookalike/local-features';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Subjects } from '@lookalike/contracts';
import { JetStreamJobQueue, NatsBus, RpcClient, type BusSubscription } from '@lookalike/messaging';
import {
  createObjectStore,
  derivedObjectKey,
  generateObjectKey,
  loadObjectSigningKey,
  type ObjectStore,
} from '@lookalike/object-store';
import { JobRepository, openDatabase, type LookalikeDataSource } from '@lookalike/persistence';
import { createVectorStore } from '@lookalike/vector-store';
import { serveStandInEmbedding } from './support/ingest-stand-ins';

const repoRoot = resolve(__dirname, '../../..');
const NEAR_COPIES = '/work/shared/datasets/dev-nearcopies/images';
const OWNER = 'crash-owner';

jest.setTimeout(240_000);

/**
 * Distributed mode: the ingest service runs as its own process over NATS with JetStream jobs and
 * PostgreSQL. A batch is submitted, the process is killed with SIGKILL while items are in flight,
 * a new process is started, and the end state must be what an uninterrupted run gives.
 */
describe('batch ingest survives kill -9 of the ingest process (distributed)', () => {
  const prefix = `crash${randomUUID().slice(0, 8)}`;
  const schema = `e2e_crash_${Date.now()}`;
  let dataDir: string;
  let bus: NatsBus;
  let rpc: RpcClient;
  let embedding: BusSubscription;
  let store: ObjectStore;
  let child: ChildProcess | undefined;
  let output = '';
  let db: LookalikeDataSource;
  const calls = { count: 0 };

  const env = () => ({
    ...process.env,
    TRANSPORT: 'nats',
    NATS_SUBJECT_PREFIX: prefix,
    LOOKALIKE_DATA_DIR: dataDir,
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`,
    HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    JOB_LEASE_SECONDS: '3',
    JOB_ACK_WAIT_MS: '3000',
    BATCH_CONCURRENCY: '3',
    RECONCILE_STALE_SECONDS: '0',
    RECONCILE_INTERVAL_SECONDS: '0',
  });

  async function startIngest(): Promise<void> {
    child = spawn(process.execPath, [join(repoRoot, 'services/ingest/dist/main.js')], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (output.includes('job runner started')) return;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`ingest did not start\n${output.slice(-3000)}`);
  }

  async function job(jobId: string) {
    return rpc.send(Subjects.IngestGetJob, { caller: { ownerUserId: OWNER, userId: OWNER }, jobId });
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lookalike-crash-'));
    bus = await NatsBus.connect({
      url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: 'crash-e2e',
      subjectPrefix: prefix,
    });
    rpc = new RpcClient(bus, { service: 'crash-e2e', timeoutOverrideMs: 30_000 });
    // A slow embedding service keeps items in flight when the process is killed.
    embedding = await serveStandInEmbedding(bus, dataDir, calls, { delayMs: 150 });
    db = await openDatabase({ url: 'postgres://postgres@127.0.0.1:5432/test', schema, poolSize: 2 });
    store = await createObjectStore({
      kind: 'local',
      dir: join(dataDir, 'objects'),
      baseUrl: 'http://127.0.0.1:1/api/objects',
      signingKey: await loadObjectSigningKey(dataDir),
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await embedding?.unsubscribe();
    await new JetStreamJobQueue(bus.raw, { subjectPrefix: prefix }).destroy().catch(() => undefined);
    await bus?.close();
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('indexes every accepted image exactly once and leaves nothing orphaned', async () => {
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

    await startIngest();
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
    child?.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    // The service is gone: read its job row straight from PostgreSQL.
    const killedAt = await new JobRepository(db).get(OWNER, jobId);
    expect(killedAt?.state).toBe('running');
    expect(killedAt?.done).toBeLessThan(items.length);

    output = '';
    await startIngest();
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

    // Objects: each row's original and two thumbnails; the duplicate and rejected uploads are gone.
    const expected = new Set<string>();
    for (const image of listed.images) {
      const key = image.payload?.key ?? '';
      expected.add(key);
      expected.add(derivedObjectKey(key, 'thumb256', 'webp'));
      expected.add(derivedObjectKey(key, 'thumb1024', 'webp'));
      expected.add(localFeaturesKey(key));
    }
    const stored: string[] = [];
    for await (const object of store.list(`${OWNER}/`)) stored.push(object.key);
    expect(stored.sort()).toEqual([...expected].sort());
  });
});
