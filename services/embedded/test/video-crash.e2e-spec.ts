import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Subjects } from '@lookalike/contracts';
import type { BusSubscription } from '@lookalike/messaging';
import { generateObjectKey } from '@lookalike/object-store';
import { VideoRepository } from '@lookalike/persistence';
import { createVectorStore } from '@lookalike/vector-store';
import { devOriginals, slideshow } from '../../../libs/video/test/make-videos';
import { IngestProcess } from './support/ingest-process';
import { serveStandInEmbedding, serveStandInVideoCheck } from './support/ingest-stand-ins';

const OWNER = 'video-crash-owner';

jest.setTimeout(240_000);

/**
 * Distributed mode: the ingest service runs as its own process. A video's extraction job is killed
 * with SIGKILL part-way (some frames stored, the rest not), a new process is started, and the
 * job must finish with each kept frame stored once: one row, one vector, one object per frame.
 */
describe('video extraction survives kill -9 of the ingest process (distributed)', () => {
  let ingest: IngestProcess;
  let embedding: BusSubscription;
  let videoCheck: BusSubscription;
  const calls = { count: 0 };
  const checked: string[] = [];
  const caller = { ownerUserId: OWNER, userId: OWNER };

  beforeAll(async () => {
    ingest = await IngestProcess.open('vcrash');
    // A slow embedding service keeps the extraction part-way when the process is killed.
    embedding = await serveStandInEmbedding(ingest.bus, ingest.dataDir, calls, { delayMs: 400 });
    videoCheck = await serveStandInVideoCheck(ingest.bus, checked);
  });

  afterAll(async () => {
    await embedding?.unsubscribe();
    await videoCheck?.unsubscribe();
    await ingest?.close();
  });

  it('resumes the extraction without duplicating a frame', async () => {
    const { rpc, store, db, dataDir } = ingest;
    const bytes = await readFile(slideshow(join(dataDir, 'slides.mp4'), devOriginals(8), { secondsEach: 2 }));
    const key = generateObjectKey(OWNER, 'mp4');
    await store.put(key, bytes, { contentType: 'video/mp4' });
    await ingest.start();
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
    await ingest.kill();
    const killedAt = await videos.findById(OWNER, videoId);
    expect(killedAt).toMatchObject({ status: 'extracting', framesTotal: 8 });
    expect(killedAt!.framesDone).toBeLessThan(8);
    const callsBeforeKill = calls.count;

    await ingest.start();
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
