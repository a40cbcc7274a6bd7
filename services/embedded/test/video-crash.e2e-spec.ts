import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Subjects } from '@lookalike/contracts';
import { JetStreamJobQueue, NatsBus, RpcClient, type BusSubscription } from '@lookalike/messaging';
import {
  createObjectStore,
  generateObjectKey,
  loadObjectSigningKey,
  type ObjectStore,
} from '@lookalike/object-store';
import { openDatabase, VideoRepository, type LookalikeDataSource } from '@lookalike/persistence';
import { createVectorStore } from '@lookalike/vector-store';
import { devOriginals, slideshow } from '../../../libs/video/test/make-videos';
import { serveStandInEmbedding, serveStandInVideoCheck } from './support/ingest-stand-ins';

const repoRoot = resolve(__dirname, '../../..');
const OWNER = 'video-crash-owner';

jest.setTimeout(240_000);

/**
 * Distributed mode: the ingest service runs as its own process. A video's extraction job is killed
 * with SIGKILL part-way (some frames stored, the rest not), a new process is started, and the
 * job must finish with each kept frame stored once: one row, one vector, one object per frame.
 */
describe('video extraction survives kill -9 of the ingest process (distributed)', () => {
  const prefix = `vcrash${randomUUID().slice(0, 8)}`;
  const schema = `e2e_vcrash_${Date.now()}`;
  let dataDir: string;
  let bus: NatsBus;
  let rpc: RpcClient;
  let embedding: BusSubscription;
  let videoCheck: BusSubscription;
  let store: ObjectStore;
  let child: ChildProcess | undefined;
  let output = '';
  let db: LookalikeDataSource;
  const calls = { count: 0 };
  const checked: string[] = [];
  const caller = { ownerUserId: OWNER, userId: OWNER };

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

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lookalike-vcrash-'));
    bus = await NatsBus.connect({
      url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      name: 'video-crash-e2e',
      subjectPrefix: prefix,
    });
    rpc = new RpcClient(bus, { service: 'video-crash-e2e', timeoutOverrideMs: 60_000 });
    // A slow embedding service keeps the extraction part-way when the process is killed.
    embedding = await serveStandInEmbedding(bus, dataDir, calls, { delayMs: 400 });
    videoCheck = await serveStandInVideoCheck(bus, checked);
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
    await videoCheck?.unsubscribe();
    await new JetStreamJobQueue(bus.raw, { subjectPrefix: prefix }).destroy().catch(() => undefined);
    await bus?.close();
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db?.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resumes the extraction without duplicating a frame', async () => {
    const bytes = await readFile(slideshow(join(dataDir, 'slides.mp4'), devOriginals(8), { secondsEach: 2 }));
    const key = generateObjectKey(OWNER, 'mp4');
    await store.put(key, bytes, { contentType: 'video/mp4' });
    await startIngest();
    const { videoId, jobId } = await rpc.send(Subjects.IngestVideoIngest, {
      caller,
      bucket: store.bucket,
      key,
      tags: [],
    });
    const videos = new VideoRepository(db);

    // Kill once some frames are stored and others are not.
    for (;;) {
      const row = await videos.findById(OWNER, videoId);
      if (row && row.framesDone >= 2) break;
      expect(row?.status).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 50));
    }
    child?.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    const killedAt = await videos.findById(OWNER, videoId);
    expect(killedAt).toMatchObject({ status: 'extracting', framesTotal: 8 });
    expect(killedAt!.framesDone).toBeLessThan(8);
    const callsBeforeKill = calls.count;

    output = '';
    await startIngest();
    let job = await rpc.send(Subjects.IngestGetJob, { caller, jobId });
    const deadline = Date.now() + 150_000;
    while (job.state !== 'succeeded' && job.state !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      job = await rpc.send(Subjects.IngestGetJob, { caller, jobId });
    }
    expect(job.state).toBe('succeeded');
    expect(calls.count).toBeGreaterThan(callsBeforeKill);
    const video = await rpc.send(Subjects.IngestGetVideo, { caller, videoId });
    expect(video).toMatchObject({ status: 'indexed', framesTotal: 8, framesDone: 8 });
    expect(video.frames.map((f) => f.tMs)).toEqual([0, 2000, 4000, 6000, 8000, 10000, 12000, 14000]);
    expect(new Set(video.frames.map((f) => f.imageId)).size).toBe(8);
    // The dedup service was asked for the video's groups once the frames were in.
    expect(checked).toContain(videoId);

    // One row, one vector and one original object per kept frame.
    const frames = await videos.frames(OWNER, videoId);
    expect(frames).toHaveLength(8);
    expect(frames.every((f) => f.status === 'indexed')).toBe(true);
    const vectors = createVectorStore({ kind: 'lancedb', dir: join(dataDir, 'lancedb') });
    try {
      expect(await vectors.count(OWNER)).toBe(8);
    } finally {
      await vectors.close();
    }
    const stored: string[] = [];
    for await (const object of store.list(`${OWNER}/`)) stored.push(object.key);
    const frameObjects = stored.filter((k) => /-f\d{7}\.jpg$/.test(k));
    expect(frameObjects.sort()).toEqual(frames.map((f) => f.key).sort());
  });
});
