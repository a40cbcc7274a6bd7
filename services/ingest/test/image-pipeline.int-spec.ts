import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ErrorCode, LookalikeError, type ImageCheckResponse } from '@lookalike/contracts';
import {
  decodeLocalFeatures,
  FEATURE_DEFAULTS,
  LocalFeatureWorkers,
  localFeaturesKey,
} from '@lookalike/local-features';
import { createObjectStore, generateObjectKey, type ObjectStore } from '@lookalike/object-store';
import { ImageRepository, openDatabase, type LookalikeDataSource } from '@lookalike/persistence';
import { createVectorStore, pointIdFor, type VectorStore } from '@lookalike/vector-store';
import { ingestEnvSchema } from '../src/ingest.config';
import type { EmbeddingRepository, ImageVectors } from '../src/repositories/embedding.repository';
import type { QualityLoopRepository } from '../src/repositories/quality-loop.repository';
import { ImagePipelineService } from '../src/services/image-pipeline.service';
import { AnalysisWorkers } from '../src/services/analysis-workers';
import { IngestService } from '../src/services/ingest.service';
import { QualityLoopService } from '../src/services/quality-loop.service';

const OWNER = 'pipe';
const IMAGES = '/work/shared/datasets/dev-nearcopies/images';

async function greyVector(bytes: Buffer, flip = false): Promise<Float32Array> {
  let image = sharp(bytes).rotate();
  if (flip) image = image.flop();
  const grey = await image.resize(8, 8, { fit: 'fill' }).greyscale().raw().toBuffer();
  const values = Array.from(grey, (v) => v / 255);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Float32Array.from(values, (v) => v - mean + 1e-3);
}

describe('ingest pipeline against PGlite, LanceDB and the local object store', () => {
  let dir: string;
  let db: LookalikeDataSource;
  let objects: ObjectStore;
  let workers: LocalFeatureWorkers;
  let analysis: AnalysisWorkers;
  let vectors: VectorStore;
  let images: ImageRepository;
  let sut: IngestService;
  let qualityLoop: QualityLoopRepository;
  const notified: string[] = [];
  const checks: { imageId: string; timeoutMs: number; status?: string; inIndex: boolean }[] = [];
  let dedupAnswer: () => ImageCheckResponse = () => ({ matches: [], kinds: [] });
  const requests: { key: string; withCrops: boolean; count: number }[] = [];
  let embeddingDown = false;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookalike-pipeline-'));
    const config = ingestEnvSchema.parse({
      LOOKALIKE_DATA_DIR: dir,
      ENABLE_CROPS: 'true',
      CROP_COUNT: '2',
      INGEST_DUPLICATE_CHECK_TIMEOUT_MS: '1234',
      INGEST_DUPLICATE_REPORT_LIMIT: '2',
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
    // The embedding service's edge: global = 8x8 grey pixels; crops = the same and its mirror.
    const embedding = {
      embedImage: async (
        object: { key: string },
        crops: { enabled: boolean; count: number },
      ): Promise<ImageVectors> => {
        requests.push({ key: object.key, withCrops: crops.enabled, count: crops.count });
        if (embeddingDown) throw new LookalikeError(ErrorCode.Unavailable, 'no service answers embedding');
        const bytes = await objects.getBuffer(object.key, { maxBytes: 1 << 26 });
        const global = await greyVector(bytes);
        return {
          modelName: 'grey-8x8',
          modelVersion: '1',
          vectorName: 'grey_global',
          dimension: 64,
          global,
          crops: crops.enabled ? [global, await greyVector(bytes, true)] : [],
          nsfwScore: 0.25,
        };
      },
    } as unknown as EmbeddingRepository;
    // The dedup service's edge: records what it was asked and whether the image was findable then.
    qualityLoop = {
      scoreAnomaly: (owner: string, imageId: string) => notified.push(`${owner}/${imageId}`),
      checkDuplicates: async (owner: string, imageId: string, timeoutMs: number) => {
        const row = await images.findById(owner, imageId);
        const [point] = await vectors.get(owner, [pointIdFor(owner, row?.sha256 ?? '')]);
        checks.push({ imageId, timeoutMs, status: row?.status, inIndex: point !== undefined });
        return dedupAnswer();
      },
    } as unknown as QualityLoopRepository;
    const loop = new QualityLoopService(config, qualityLoop);
    workers = new LocalFeatureWorkers({ LOCAL_FEATURES: true, LOCAL_FEATURES_THREADS: 1 });
    analysis = new AnalysisWorkers({ ANALYSIS_THREADS: 1, QUALITY_PASS_RUNTIME: 'auto' });
    sut = new IngestService(
      config,
      objects,
      images,
      new ImagePipelineService(config, objects, vectors, images, embedding, loop, workers, analysis),
      loop,
    );
  }, 60_000);

  afterAll(async () => {
    await workers?.onModuleDestroy();
    await analysis?.onModuleDestroy();
    await vectors?.close();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function upload(file: string, tags: string[] = []) {
    const key = generateObjectKey(OWNER, 'jpg');
    await objects.put(key, await readFile(join(IMAGES, file)), { contentType: 'image/jpeg' });
    return sut.ingest({
      caller: { ownerUserId: OWNER, userId: OWNER },
      bucket: objects.bucket,
      key,
      tags,
      source: 'batch',
    });
  }

  it('indexes the full payload with the crop multivector and notifies the anomaly service', async () => {
    const original = await upload('coffee.jpg', ['mug']);
    expect(original).toMatchObject({ status: 'created', nearDuplicates: [], duplicateCheck: 'ok' });
    const row = await images.findById(OWNER, original.imageId);
    expect(row).toMatchObject({ status: 'indexed', format: 'jpeg', modelName: 'grey-8x8', nsfwScore: 0.25 });
    expect(notified).toContain(`${row?.ownerUserId}/${row?.imageId}`);
    expect(row?.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(row?.thumb256Key).toMatch(/\.thumb256\.webp$/);
    // Local features beside the thumbnails, from the same decode.
    const features = decodeLocalFeatures(
      await objects.getBuffer(localFeaturesKey(row!.key), { maxBytes: 1 << 20 }),
    );
    expect(Math.max(features.width, features.height)).toBe(FEATURE_DEFAULTS.side);
    expect(features.plain.count).toBeGreaterThan(100);
    expect(requests[0]).toMatchObject({ withCrops: true, count: 2 });

    const [point] = await vectors.get(OWNER, [pointIdFor(OWNER, row?.sha256 ?? '')], { withVectors: true });
    expect(point.payload).toMatchObject({
      imageId: original.imageId,
      ownerUserId: OWNER,
      tags: ['mug'],
      source: 'batch',
      phash: row?.phash,
      qualityScore: row?.qualityScore,
      width: row?.width,
    });
    expect(point.multivectors?.grey_crops).toHaveLength(2);
  }, 60_000);

  it("reports the dedup service's matches, asked once the image is indexed, ordered and capped", async () => {
    dedupAnswer = () => ({
      kinds: ['near', 'similar'],
      matches: [
        { imageId: 'S', kind: 'similar', hamming: 20, cosine: 0.95, qualityScore: 0 },
        { imageId: 'N1', kind: 'near', hamming: 2, cosine: 0.85, qualityScore: 0 },
        { imageId: 'N2', kind: 'near', hamming: 5, cosine: 0.92, qualityScore: 0 },
      ],
    });
    const copy = await upload('coffee__jpeg20.jpg');
    expect(copy).toMatchObject({
      status: 'created',
      duplicateCheck: 'ok',
      nearDuplicates: [
        { imageId: 'N2', kind: 'near', hamming: 5, cosine: expect.closeTo(0.92, 5) as number },
        { imageId: 'N1', kind: 'near', hamming: 2, cosine: expect.closeTo(0.85, 5) as number },
      ],
    });
    expect(checks.filter((c) => c.imageId === copy.imageId)).toEqual([
      { imageId: copy.imageId, timeoutMs: 1234, status: 'indexed', inIndex: true },
    ]);
  }, 60_000);

  it('keeps the upload when the dedup service is unavailable and says the report is missing', async () => {
    dedupAnswer = () => {
      throw new LookalikeError(ErrorCode.Unavailable, 'no service answers dedup.v1.check-image');
    };
    const answer = await upload('brick.jpg');
    expect(answer).toMatchObject({ status: 'created', nearDuplicates: [], duplicateCheck: 'unavailable' });
    expect(await images.findById(OWNER, answer.imageId)).toMatchObject({ status: 'indexed' });
    expect(notified).toContain(`${OWNER}/${answer.imageId}`);
  }, 60_000);

  it('writes the analysis with the failure when the embedding fails, and finishes the image on replay', async () => {
    embeddingDown = true;
    dedupAnswer = () => ({ matches: [], kinds: [] });
    const key = generateObjectKey(OWNER, 'jpg');
    await objects.put(key, await readFile(join(IMAGES, 'horse.jpg')), { contentType: 'image/jpeg' });
    const ingest = () =>
      sut.ingest({
        caller: { ownerUserId: OWNER, userId: OWNER },
        bucket: objects.bucket,
        key,
        tags: [],
        source: 'batch',
      });
    await expect(ingest()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    // One UPDATE carries the analysis and the failure: the reviewer still sees its thumbnail.
    const [failed] = (await images.list(OWNER, { status: 'failed', limit: 10 })).items;
    expect(failed).toMatchObject({ status: 'failed', error: 'no service answers embedding' });
    expect(failed?.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(failed?.qualityScore).toEqual(expect.any(Number));
    expect(await objects.head(failed!.thumb256Key!)).not.toBeNull();

    embeddingDown = false;
    const replayed = await ingest();
    expect(replayed).toMatchObject({ imageId: failed!.imageId, duplicateCheck: 'ok' });
    expect(await images.findById(OWNER, failed!.imageId)).toMatchObject({
      status: 'indexed',
      phash: failed!.phash,
      thumb256Key: failed!.thumb256Key,
      error: null,
    });
  }, 60_000);
});
