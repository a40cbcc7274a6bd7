import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCode, LookalikeError, type Caller } from '@lookalike/contracts';
import { InProcessJobQueue, JobRunner } from '@lookalike/messaging';
import { createObjectStore, generateObjectKey, type ObjectStore } from '@lookalike/object-store';
import {
  ImageRepository,
  JobRepository,
  openDatabase,
  VideoRepository,
  type LookalikeDataSource,
} from '@lookalike/persistence';
import { createVectorStore, pointIdFor, type VectorStore } from '@lookalike/vector-store';
import { LocalFeatureWorkers } from '@lookalike/local-features';
import { ingestEnvSchema, type IngestConfig } from '../src/ingest.config';
import type { EmbeddingRepository, ImageVectors } from '../src/repositories/embedding.repository';
import type { QualityLoopRepository } from '../src/repositories/quality-loop.repository';
import { ImagePipelineService } from '../src/services/image-pipeline.service';
import { AnalysisWorkers } from '../src/services/analysis-workers';
import { ImagesService } from '../src/services/images.service';
import { QualityLoopService } from '../src/services/quality-loop.service';
import { frameObjectKey, frameSha256, VideoIngestService } from '../src/services/video-ingest.service';
import { devOriginals, slideshow, truncated } from '../../../libs/video/test/make-videos';

const OWNER = 'video-owner';
const caller: Caller = { ownerUserId: OWNER, userId: OWNER };
const BAD_INPUTS = resolve(__dirname, '../../../../shared/datasets/bad-inputs');

describe('video ingest against PGlite, LanceDB, the local object store and real ffmpeg', () => {
  let dir: string;
  let db: LookalikeDataSource;
  let objects: ObjectStore;
  let vectors: VectorStore;
  let workers: LocalFeatureWorkers;
  let analysis: AnalysisWorkers;
  let images: ImageRepository;
  let videos: VideoRepository;
  let jobs: JobRepository;
  let runner: JobRunner;
  let pipeline: ImagePipelineService;
  let config: IngestConfig;
  let sut: VideoIngestService;
  let imagesService: ImagesService;
  let qualityLoop: QualityLoopRepository;
  /** Videos the dedup edge was asked to group, and to forget. */
  const videoChecks: string[] = [];
  const forgotten: string[] = [];
  let slides: Buffer;
  const checked: string[] = [];
  /** The video the first test stores (the next ones upload the same bytes). */
  let storedId = '';

  /** A service with other settings on the same stores (limits, a missing ffmpeg). */
  const variant = (env: Record<string, string>) =>
    new VideoIngestService(
      ingestEnvSchema.parse({ LOOKALIKE_DATA_DIR: dir, ...env }),
      objects,
      runner,
      vectors,
      videos,
      images,
      pipeline,
      imagesService,
      qualityLoop,
    );

  async function put(bytes: Buffer, ext = 'mp4'): Promise<string> {
    const key = generateObjectKey(OWNER, ext);
    await objects.put(key, bytes, { contentType: 'video/mp4' });
    return key;
  }

  async function finished(jobId: string) {
    for (let i = 0; i < 600; i += 1) {
      const job = await jobs.get(OWNER, jobId);
      if (job && ['succeeded', 'failed', 'cancelled'].includes(job.state)) return job;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`job ${jobId} did not finish`);
  }

  async function rejection(promise: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof LookalikeError))
      throw new Error(`expected a LookalikeError, got ${String(error)}`);
    return { code: error.code, reason: error.details.reason };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-video-ingest-'));
    config = ingestEnvSchema.parse({ LOOKALIKE_DATA_DIR: dir });
    db = await openDatabase({ embedded: { dataDir: dir } });
    objects = await createObjectStore({
      kind: 'local',
      dir: join(dir, 'objects'),
      baseUrl: 'http://127.0.0.1:8080/api/objects',
      signingKey: 'k'.repeat(32),
    });
    vectors = createVectorStore({ kind: 'lancedb', dir: join(dir, 'lancedb') });
    images = new ImageRepository(db);
    videos = new VideoRepository(db);
    jobs = new JobRepository(db);
    // The embedding service's edge: a vector from the frame's size and bytes (enough to index it).
    const embedding = {
      embedImage: async (object: { key: string }): Promise<ImageVectors> => {
        const bytes = await objects.getBuffer(object.key, { maxBytes: 1 << 26 });
        const global = Float32Array.from({ length: 8 }, (_, i) => (bytes[100 + i] ?? 0) / 255 + 0.01);
        return {
          modelName: 'bytes-8',
          modelVersion: '1',
          vectorName: 'bytes_global',
          dimension: 8,
          global,
          crops: [],
          nsfwScore: 0,
        };
      },
    } as unknown as EmbeddingRepository;
    // The dedup and anomaly edge: frames must not be sent to the duplicate check.
    qualityLoop = {
      scoreAnomaly: () => undefined,
      checkDuplicates: async (_owner: string, imageId: string) => {
        checked.push(imageId);
        return { matches: [], kinds: [] };
      },
      checkVideo: async (_owner: string, videoId: string) => {
        videoChecks.push(videoId);
        return { groupIds: [], kinds: [] };
      },
      forgetVideo: async (_owner: string, videoId: string) => {
        forgotten.push(videoId);
        return { groupIds: [], kinds: [] };
      },
    } as unknown as QualityLoopRepository;
    imagesService = new ImagesService(config, objects, vectors, images);
    workers = new LocalFeatureWorkers({ LOCAL_FEATURES: true, LOCAL_FEATURES_THREADS: 1 });
    analysis = new AnalysisWorkers({ ANALYSIS_THREADS: 0, QUALITY_PASS_RUNTIME: 'auto' });
    pipeline = new ImagePipelineService(
      config,
      objects,
      vectors,
      images,
      embedding,
      new QualityLoopService(config, qualityLoop),
      workers,
      analysis,
    );
    runner = new JobRunner(new InProcessJobQueue(), jobs, { workerId: 'video-test' });
    sut = new VideoIngestService(
      config,
      objects,
      runner,
      vectors,
      videos,
      images,
      pipeline,
      imagesService,
      qualityLoop,
    );
    sut.onModuleInit();
    await runner.start();
    const sourceDir = join(dir, 'videos');
    mkdirSync(sourceDir);
    slides = await readFile(slideshow(join(sourceDir, 'slides.mp4'), devOriginals(5), { secondsEach: 2 }));
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await workers?.onModuleDestroy();
    await analysis?.onModuleDestroy();
    await vectors?.close();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a video, extracts one frame per cut as indexed images, and records its shots', async () => {
    const key = await put(slides);
    const answer = await sut.ingest({ caller, key, tags: ['trip'] });
    expect(answer.status).toBe('created');
    storedId = answer.videoId;
    const job = await finished(answer.jobId);
    expect(job).toMatchObject({ state: 'succeeded', done: 5, total: 5 });
    const video = await videos.findById(OWNER, answer.videoId);
    expect(video).toMatchObject({
      status: 'indexed',
      container: 'mp4',
      codec: 'h264',
      width: 320,
      height: 240,
      frameCount: 250,
      framesTotal: 5,
      framesDone: 5,
      tags: ['trip'],
    });
    expect(video!.shots.map((s) => [s.startMs, s.endMs])).toEqual([
      [0, 2000],
      [2000, 4000],
      [4000, 6000],
      [6000, 8000],
      [8000, video!.durationMs],
    ]);
    const frames = await videos.frames(OWNER, answer.videoId);
    expect(frames.map((f) => [f.frameIndex, f.tMs, f.shotId, f.status])).toEqual([
      [0, 0, 0, 'indexed'],
      [50, 2000, 1, 'indexed'],
      [100, 4000, 2, 'indexed'],
      [150, 6000, 3, 'indexed'],
      [200, 8000, 4, 'indexed'],
    ]);
    expect(video!.posterImageId).toBe(frames[0]!.imageId);
    expect(frames.every((f) => f.tags.includes('trip') && f.thumb256Key !== null)).toBe(true);
    const points = await vectors.get(
      OWNER,
      frames.map((f) => pointIdFor(OWNER, f.sha256)),
    );
    expect(points.filter(Boolean)).toHaveLength(5);
    expect(frames.map((f) => f.sha256)).toEqual(frames.map((f) => frameSha256(video!.sha256, f.frameIndex!)));
    expect(await objects.head(frames[2]!.key)).toMatchObject({ contentType: 'image/jpeg' });
    // Each frame has objects of its own: original and thumbnail (no two frames share one); a
    // 320x240 JPEG frame is its own preview, so no 1024 px thumbnail is made.
    expect(new Set(frames.flatMap((f) => [f.key, f.thumb256Key])).size).toBe(10);
    expect(frames.every((f) => f.thumb1024Key === null)).toBe(true);
    expect(frames[1]!.key).toBe(frameObjectKey(key, 50));
    expect(await objects.head(key)).toMatchObject({ contentType: 'video/mp4' });
    // Frames are not duplicate-checked one by one.
    expect(checked.filter((id) => frames.some((f) => f.imageId === id))).toEqual([]);
  }, 120_000);

  it('answers duplicate for the same bytes under another key and drops the second copy', async () => {
    const first = await sut.ingest({ caller, key: await put(slides), tags: [] });
    const secondKey = await put(slides);
    const second = await sut.ingest({ caller, key: secondKey, tags: [] });
    expect(first).toMatchObject({ status: 'duplicate', videoId: storedId });
    expect(second).toMatchObject({ status: 'duplicate', videoId: storedId });
    expect(await objects.head(secondKey)).toBeNull();
  });

  it('replays an extraction without duplicating frames', async () => {
    const stored = await videos.findById(OWNER, storedId);
    const before = await videos.frames(OWNER, stored!.videoId);
    // The state a kill -9 mid-extraction leaves: the video still extracting, its last two frames'
    // rows inserted but not indexed yet. A second run of the job (the redelivery) continues.
    await db.query(`UPDATE videos SET status = 'extracting', frames_done = 3 WHERE video_id = $1`, [
      stored!.videoId,
    ]);
    await db.query(`UPDATE images SET status = 'stored' WHERE image_id = ANY($1)`, [
      before.slice(3).map((f) => f.imageId),
    ]);
    const job = await runner.submit({
      ownerUserId: OWNER,
      kind: 'video-extract',
      payload: { videoId: stored!.videoId },
      maxAttempts: 1,
    });
    expect((await finished(job.jobId)).state).toBe('succeeded');
    const after = await videos.frames(OWNER, stored!.videoId);
    expect(after.map((f) => f.imageId)).toEqual(before.map((f) => f.imageId));
    expect(after.every((f) => f.status === 'indexed')).toBe(true);
    expect((await videos.findById(OWNER, stored!.videoId))?.status).toBe('indexed');
    // Each run asked the dedup service for the video's groups once its frames were in.
    expect(videoChecks.filter((id) => id === stored!.videoId).length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('deletes a video whole, and a deletion cut off part-way is finished by a purge', async () => {
    const key = await put(
      await readFile(
        slideshow(join(dir, 'videos', 'gone.mp4'), devOriginals(7).slice(4), { secondsEach: 2 }),
      ),
    );
    const answer = await sut.ingest({ caller, key, tags: [] });
    expect((await finished(answer.jobId)).state).toBe('succeeded');
    const frames = await videos.frames(OWNER, answer.videoId);
    expect(frames).toHaveLength(3);
    const points = frames.map((f) => pointIdFor(OWNER, f.sha256));
    expect(await vectors.get(OWNER, points)).toHaveLength(3);

    expect(await sut.remove(caller, answer.videoId)).toEqual({
      videoId: answer.videoId,
      deleted: true,
      framesDeleted: 3,
    });
    expect(forgotten).toContain(answer.videoId);
    expect(await videos.findById(OWNER, answer.videoId)).toBeNull();
    expect(await videos.frames(OWNER, answer.videoId)).toEqual([]);
    expect(await vectors.get(OWNER, points)).toEqual([]);
    expect(await objects.head(key)).toBeNull();
    for (const frame of frames) {
      expect(await objects.head(frame.key)).toBeNull();
      expect(await objects.head(frame.thumb256Key!)).toBeNull();
    }
    expect((await rejection(sut.remove(caller, answer.videoId))).code).toBe(ErrorCode.NotFound);

    // Cut off after the row moved to deleting: the purge (reconciliation's step) finishes it.
    const again = await sut.ingest({
      caller,
      key: await put(await readFile(join(dir, 'videos', 'gone.mp4'))),
      tags: [],
    });
    expect((await finished(again.jobId)).state).toBe('succeeded');
    const row = await videos.transition(OWNER, again.videoId, 'deleting');
    expect((await rejection(sut.get(caller, again.videoId))).code).toBe(ErrorCode.NotFound);
    expect(await sut.purge(row)).toBe(3);
    expect(await videos.findById(OWNER, again.videoId)).toBeNull();
  }, 120_000);

  it.each([
    ['an image', 'truncated.jpg', ErrorCode.UnsupportedMediaType, 'unsupported_type'],
    ['an SVG', 'xxe.svg', ErrorCode.UnsupportedMediaType, 'unsupported_type'],
  ])('refuses %s and leaves nothing behind', async (_, file, code, reason) => {
    const key = await put(await readFile(join(BAD_INPUTS, file)));
    expect(await rejection(sut.ingest({ caller, key, tags: [] }))).toEqual({ code, reason });
    expect(await objects.head(key)).toBeNull();
  });

  it('refuses a truncated MP4, a video over the limits, and video without ffmpeg; nothing is kept', async () => {
    const before = (await videos.list(OWNER, { limit: 1000 })).items.length;
    const cut = await put(await readFile(truncated(slides, join(dir, 'cut.mp4'), 3000)));
    expect((await rejection(sut.ingest({ caller, key: cut, tags: [] }))).code).toBe(ErrorCode.Unprocessable);
    expect(await objects.head(cut)).toBeNull();
    const long = await put(slides);
    expect(
      await rejection(variant({ MAX_VIDEO_DURATION_SECONDS: '5' }).ingest({ caller, key: long, tags: [] })),
    ).toEqual({
      code: ErrorCode.Unprocessable,
      reason: 'too_long',
    });
    expect(await objects.head(long)).toBeNull();
    const big = await put(slides);
    expect(
      await rejection(variant({ MAX_VIDEO_BYTES: '2048' }).ingest({ caller, key: big, tags: [] })),
    ).toEqual({
      code: ErrorCode.PayloadTooLarge,
      reason: 'too_large',
    });
    const noTools = await put(slides);
    expect(
      await rejection(
        variant({ FFMPEG_PATH: '/nonexistent/ffmpeg' }).ingest({ caller, key: noTools, tags: [] }),
      ),
    ).toEqual({
      code: ErrorCode.NotImplemented,
      reason: 'tool_missing',
    });
    expect(await objects.head(noTools)).toBeNull();
    expect((await videos.list(OWNER, { limit: 1000 })).items).toHaveLength(before);
  }, 60_000);

  it('refuses a key outside the caller tenant and an unknown object', async () => {
    expect(
      (await rejection(sut.ingest({ caller, key: generateObjectKey('someone-else', 'mp4'), tags: [] }))).code,
    ).toBe(ErrorCode.PermissionDenied);
    expect(
      (await rejection(sut.ingest({ caller, key: generateObjectKey(OWNER, 'mp4'), tags: [] }))).code,
    ).toBe(ErrorCode.NotFound);
  });
});
