import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { JobRunner } from '@lookalike/messaging';
import { LocalFeatureWorkers } from '@lookalike/local-features';
import { createObjectStore, generateObjectKey, type ObjectStore } from '@lookalike/object-store';
import {
  ImageRepository,
  openDatabase,
  VideoRepository,
  type LookalikeDataSource,
} from '@lookalike/persistence';
import { createVectorStore, pointIdFor, type VectorStore } from '@lookalike/vector-store';
import { ingestEnvSchema } from '../src/ingest.config';
import type { EmbeddingRepository, ImageVectors } from '../src/repositories/embedding.repository';
import { ReconciliationRepository } from '../src/repositories/reconciliation.repository';
import { ImagePipelineService } from '../src/services/image-pipeline.service';
import { AnalysisWorkers } from '../src/services/analysis-workers';
import { QualityLoopRepository } from '../src/repositories/quality-loop.repository';
import { QualityLoopService } from '../src/services/quality-loop.service';
import { ImagesService } from '../src/services/images.service';
import { IngestService } from '../src/services/ingest.service';
import { ReconciliationService } from '../src/services/reconciliation.service';
import { VideoIngestService } from '../src/services/video-ingest.service';

const OWNER = 'rec';
const IMAGES = '/work/shared/datasets/dev-nearcopies/images';

/** The embedding service's edge: a 16-d vector of the object's 4x4 grey thumbnail. */
function embeddingFrom(objects: ObjectStore): EmbeddingRepository {
  return {
    embedImage: async (object: { key: string }): Promise<ImageVectors> => {
      const bytes = await objects.getBuffer(object.key, { maxBytes: 1 << 26 });
      const grey = await sharp(bytes).resize(4, 4, { fit: 'fill' }).greyscale().raw().toBuffer();
      return {
        modelName: 'grey-4x4',
        modelVersion: '1',
        vectorName: 'grey_global',
        dimension: 16,
        global: Float32Array.from(grey, (v) => v / 255 + 0.01),
        crops: [],
        nsfwScore: 0,
      };
    },
  } as unknown as EmbeddingRepository;
}

describe('reconciliation against PGlite, LanceDB and the local object store', () => {
  let dir: string;
  let db: LookalikeDataSource;
  let objects: ObjectStore;
  let workers: LocalFeatureWorkers;
  let analysis: AnalysisWorkers;
  let vectors: VectorStore;
  let images: ImageRepository;
  let ingest: IngestService;
  let sut: ReconciliationService;
  let withConfig: (env: Record<string, string>) => ReconciliationService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-reconcile-'));
    const config = ingestEnvSchema.parse({
      LOOKALIKE_DATA_DIR: dir,
      RECONCILE_STALE_SECONDS: '0',
      RECONCILE_ORPHAN_OBJECT_SECONDS: '0',
    });
    db = await openDatabase({ embedded: { dataDir: dir } });
    objects = await createObjectStore({
      kind: 'local',
      dir: join(dir, 'objects'),
      baseUrl: 'http://127.0.0.1:8080/api/objects',
      signingKey: 'k'.repeat(32),
    });
    vectors = createVectorStore({ kind: 'lancedb', dir: join(dir, 'lancedb') });
    images = new ImageRepository(db);
    const loopEdge = {
      scoreAnomaly: () => Promise.resolve(),
      checkDuplicates: () => Promise.resolve({ matches: [], kinds: [] }),
      forgetVideo: () => Promise.resolve({ groupIds: [], kinds: [] }),
    } as unknown as QualityLoopRepository;
    const loop = new QualityLoopService(config, loopEdge);
    const videos = new VideoRepository(db);
    workers = new LocalFeatureWorkers({ LOCAL_FEATURES: true, LOCAL_FEATURES_THREADS: 1 });
    analysis = new AnalysisWorkers({ ANALYSIS_THREADS: 0, QUALITY_PASS_RUNTIME: 'auto' });
    const pipeline = new ImagePipelineService(
      config,
      objects,
      vectors,
      images,
      embeddingFrom(objects),
      loop,
      workers,
      analysis,
    );
    ingest = new IngestService(config, objects, images, pipeline, loop);
    const imagesService = new ImagesService(config, objects, vectors, images);
    const runner = { register: () => undefined } as unknown as JobRunner;
    withConfig = (env) =>
      new ReconciliationService(
        ingestEnvSchema.parse({ LOOKALIKE_DATA_DIR: dir, ...env }),
        runner,
        objects,
        vectors,
        images,
        new ReconciliationRepository(db),
        pipeline,
        imagesService,
        videos,
        new VideoIngestService(
          config,
          objects,
          runner,
          vectors,
          videos,
          images,
          pipeline,
          imagesService,
          loopEdge,
        ),
      );
    sut = withConfig({ RECONCILE_STALE_SECONDS: '0', RECONCILE_ORPHAN_OBJECT_SECONDS: '0' });
  }, 60_000);

  afterAll(async () => {
    await workers?.onModuleDestroy();
    await analysis?.onModuleDestroy();
    await vectors?.close();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(file: string): Promise<string> {
    const key = generateObjectKey(OWNER, 'jpg');
    await objects.put(key, await readFile(join(IMAGES, file)), { contentType: 'image/jpeg' });
    const answer = await ingest.ingest({
      caller: { ownerUserId: OWNER, userId: OWNER },
      bucket: objects.bucket,
      key,
      tags: [],
      source: 'api',
    });
    return answer.imageId;
  }

  it('repairs rows without vectors, vectors without rows, orphan objects and half-done rows', async () => {
    const a = await upload('astronaut.jpg');
    const b = await upload('brick.jpg');
    await upload('camera.jpg');
    expect(await sut.reconcile()).toMatchObject({
      rows: 3,
      replayed: 0,
      revectored: 0,
      orphanVectors: 0,
      orphanObjects: 0,
    });

    const rowA = await images.findById(OWNER, a);
    const rowB = await images.findById(OWNER, b);
    // A's vector lost; B's row left mid-pipeline; a vector of an image with no row; an object no row owns.
    await vectors.delete(OWNER, [pointIdFor(OWNER, rowA?.sha256 ?? '')]);
    await db.query(`UPDATE images SET status = 'hashed' WHERE image_id = $1`, [b]);
    const stray = (
      await vectors.get(OWNER, [pointIdFor(OWNER, rowB?.sha256 ?? '')], { withVectors: true })
    )[0];
    await vectors.upsert(OWNER, [
      {
        payload: { ...stray.payload, imageId: '01J0000000000000000000STRAY', sha256: 'f'.repeat(64) },
        vectors: { grey_global: stray.vectors?.grey_global ?? new Float32Array(16) },
      },
    ]);
    const orphanKey = generateObjectKey(OWNER, 'jpg');
    await objects.put(orphanKey, Buffer.from('left by an upload that was never ingested'), {
      contentType: 'image/jpeg',
    });

    // A stored video's original belongs to its row in `videos`.
    const videoKey = generateObjectKey(OWNER, 'mp4');
    await objects.put(videoKey, Buffer.from('a stored video'), { contentType: 'video/mp4' });
    await new VideoRepository(db).insertIfAbsent({
      ownerUserId: OWNER,
      sha256: 'e'.repeat(64),
      bucket: objects.bucket,
      key: videoKey,
      sizeBytes: 14,
      source: 'api',
      container: 'mp4',
      codec: 'h264',
      durationMs: 1000,
      fps: 25,
      width: 320,
      height: 240,
      frameCount: 25,
      hasAudio: false,
    });

    const report = await sut.reconcile();
    expect(report).toMatchObject({
      rows: 3,
      replayed: 1,
      revectored: 1,
      orphanVectors: 1,
      orphanObjects: 1,
      failures: 0,
    });

    expect(await vectors.count(OWNER)).toBe(3);
    expect((await images.findById(OWNER, b))?.status).toBe('indexed');
    expect(await objects.head(orphanKey)).toBeNull();
    const keys: string[] = [];
    for await (const object of objects.list(`${OWNER}/`)) keys.push(object.key);
    // Each image's original, thumbnail and local features (these small JPEGs are their own
    // previews: no 1024 px thumbnail), and the video: none is an orphan.
    expect(keys).toHaveLength(10);
    expect(keys.filter((k) => k.includes('.thumb1024.'))).toEqual([]);
    expect(keys).toContain(videoKey);
    expect(keys.filter((k) => k.endsWith('.features.lkf'))).toHaveLength(3);
    expect(await sut.reconcile()).toMatchObject({
      replayed: 0,
      revectored: 0,
      orphanVectors: 0,
      orphanObjects: 0,
    });

    // A video whose deletion was cut off (row `deleting`) is finished: the original and the row go.
    const videoRows = new VideoRepository(db);
    const [stuck] = (await videoRows.list(OWNER)).items;
    await videoRows.transition(OWNER, stuck!.videoId, 'deleting');
    expect(await sut.reconcile()).toMatchObject({ purged: 1, failures: 0 });
    expect(await videoRows.findById(OWNER, stuck!.videoId)).toBeNull();
    expect(await objects.head(videoKey)).toBeNull();
  }, 60_000);

  it('replays at start-up what a killed embedded process left mid-pipeline, without waiting for it to go stale', async () => {
    const c = await upload('coffee.jpg');
    // An upload a kill -9 cut off after hashing: its row moved a moment ago, before this start.
    await db.query(`UPDATE images SET status = 'hashed', updated_at = now() WHERE image_id = $1`, [c]);
    await new Promise((r) => setTimeout(r, 20));
    const embedded = withConfig({ TRANSPORT: 'local', RECONCILE_STALE_SECONDS: '120' });
    const distributed = withConfig({ TRANSPORT: 'nats', RECONCILE_STALE_SECONDS: '120' });
    // A periodic pass, and the start-up pass of a replica (others may be working on the row), wait.
    expect(await embedded.reconcile()).toMatchObject({ replayed: 0 });
    expect(await distributed.reconcile({ startup: true })).toMatchObject({ replayed: 0 });
    expect((await images.findById(OWNER, c))?.status).toBe('hashed');
    // The embedded start-up pass is the only ingest on its data: it finishes the row at once.
    expect(await embedded.reconcile({ startup: true })).toMatchObject({ replayed: 1, failures: 0 });
    expect((await images.findById(OWNER, c))?.status).toBe('indexed');
  }, 60_000);
});
