import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@lookalike/config';
import { InProcessJobQueue, JobRunner } from '@lookalike/messaging';
import { JobRepository } from '@lookalike/persistence';
import { anomalyEnvSchema } from '../src/anomaly.config';
import { rocAuc } from '../src/domain/anomaly-scoring';
import { AnomalyStoreRepository } from '../src/repositories/anomaly-store.repository';
import type { ThumbnailUrlRepository } from '../src/repositories/thumbnail-url.repository';
import { VectorIndexRepository } from '../src/repositories/vector-index.repository';
import { AnomalyQueueService } from '../src/services/anomaly-queue.service';
import { AnomalyScoringService } from '../src/services/anomaly-scoring.service';
import { AnomalyWeightsService } from '../src/services/anomaly-weights.service';
import { CalibrationStoreRepository } from '../src/repositories/calibration-store.repository';
import { AnomalyService } from '../src/services/anomaly.service';
import { ScoreWriterService } from '../src/services/score-writer.service';
import { loadNearCopies } from '../../dedup/test/support/near-copies-fixture';
import {
  imageIdFor,
  openQualityStores,
  postgresAnswers,
  seedImages,
  type QualityStores,
  type SeedImage,
} from '../../dedup/test/support/quality-stores';

jest.setTimeout(120_000);

const OWNER = 'tenant-a';

/** The dev-nearcopies originals and one planted image of each kind (noise, flat, gradient, page). */
function tenantImages(): { images: SeedImage[]; planted: Set<string> } {
  const { images } = loadNearCopies();
  const meta = JSON.parse(readFileSync(join(__dirname, 'fixtures/planted.json'), 'utf8')) as {
    model: { dim: number };
    files: { file: string; qualityScore: number; phash: string }[];
  };
  const raw = readFileSync(join(__dirname, 'fixtures/planted.mobilenet.f32'));
  const vectors = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const dim = meta.model.dim;
  const out: SeedImage[] = images.map((im, i) => ({
    imageId: imageIdFor(i),
    sha256: im.sha256,
    phash: im.phash,
    width: im.width,
    height: im.height,
    format: im.format,
    qualityScore: im.qualityScore,
    qualityFlags: im.qualityFlags,
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    vector: im.vector,
  }));
  const planted = new Set<string>();
  for (const [j, f] of meta.files.entries()) {
    if (!['noise_colour_1.png', 'flat_red.jpg', 'gradient_1.jpg', 'page_1.jpg'].includes(f.file)) continue;
    const imageId = imageIdFor(1000 + j);
    planted.add(imageId);
    out.push({
      imageId,
      sha256: `${String(j).padStart(2, '0')}`.padEnd(64, 'f'),
      phash: f.phash,
      width: 300,
      height: 200,
      format: 'png',
      qualityScore: f.qualityScore,
      createdAt: new Date(Date.UTC(2025, 0, 3, 0, 0, j)).toISOString(),
      vector: vectors.slice(j * dim, (j + 1) * dim),
    });
  }
  return { images: out, planted };
}

describe.each([
  ['pglite', true],
  ['postgres', postgresAnswers()],
] as const)('anomaly scores over LanceDB and %s', (sql, available) => {
  const run = available ? it : it.skip;
  let stores: QualityStores;
  let service: AnomalyService;
  let scoring: AnomalyScoringService;
  let queue: AnomalyQueueService;
  let runner: JobRunner;
  let planted: Set<string>;
  let seeded: SeedImage[];
  const caller = { ownerUserId: OWNER, userId: 'reviewer-1' };

  beforeAll(async () => {
    if (!available) return;
    const set = tenantImages();
    planted = set.planted;
    seeded = set.images;
    stores = await openQualityStores(sql, 1280);
    // The last planted image arrives later, through the ingest-time path.
    await seedImages(stores, OWNER, seeded.slice(0, -1));
    const config = loadConfig(anomalyEnvSchema, {
      ANOMALY_RECOMPUTE_CRON: 'off',
      // A queued image is handed out at once (submittedNow), not after the gathering wait.
      ANOMALY_BATCH_GATHER_MS: '0',
    });
    const index = new VectorIndexRepository(stores.vectors);
    const store = new AnomalyStoreRepository(stores.dataSource);
    // The tenant's applied weights, else ANOMALY_WEIGHTS; a recompute after an apply runs on `runner`.
    const weights = new AnomalyWeightsService(
      new CalibrationStoreRepository(stores.dataSource),
      { submit: (job) => runner.submit(job) },
      config,
    );
    scoring = new AnomalyScoringService(index, store, new ScoreWriterService(index, config), config, weights);
    runner = new JobRunner(new InProcessJobQueue(), new JobRepository(stores.dataSource), {
      workerId: 'anomaly-test',
    });
    const urls = {
      thumbnailFor: async (key: string) => `signed:${key}`,
    } as unknown as ThumbnailUrlRepository;
    queue = new AnomalyQueueService(scoring, store, runner, config);
    queue.onModuleInit();
    service = new AnomalyService(store, index, urls, scoring, queue, runner, config);
    service.onModuleInit();
  });

  afterAll(async () => {
    queue?.onModuleDestroy();
    await runner?.stop();
    await stores?.close();
  });

  run('recomputes every image: components and a combined score in SQL and in the payload', async () => {
    const summary = await scoring.recompute(OWNER);
    expect(summary.images).toBe(seeded.length - 1);
    const rows = (await stores.dataSource.query(
      `SELECT s.image_id, s.combined, i.anomaly_score FROM anomaly_scores s JOIN images i USING (owner_user_id, image_id)`,
    )) as { image_id: string; combined: number; anomaly_score: number }[];
    expect(rows).toHaveLength(seeded.length - 1);
    for (const r of rows) {
      expect(r.combined).toBeGreaterThanOrEqual(0);
      expect(r.combined).toBeLessThanOrEqual(1);
      expect(r.anomaly_score).toBeCloseTo(r.combined, 9);
    }
    const [point] = (
      await stores.vectors.scroll(OWNER, { filter: { imageIds: [rows[0].image_id.trim()] }, limit: 1 })
    ).points;
    expect(Math.abs(point.payload.anomalyScore - rows[0].combined)).toBeLessThanOrEqual(0.025 + 1e-6);
  });

  run('runs a recompute job on the job runner with progress and the summary as its result', async () => {
    const { jobId } = await service.recompute({ caller });
    // The runner is not started here: sweep() claims and runs what is due now.
    await runner.sweep();
    const [job] = (await stores.dataSource.query(
      `SELECT kind, state, done, total, result FROM jobs WHERE job_id = $1`,
      [jobId],
    )) as { kind: string; state: string; done: number; total: number; result: Record<string, unknown> }[];
    expect(job).toMatchObject({ kind: 'anomaly-recompute', state: 'succeeded' });
    expect(job.done).toBe(job.total);
    expect(job.result).toMatchObject({ images: seeded.length - 1, model: expect.any(String) });
  });

  run('ranks the planted out-of-domain images above the real ones (combined ROC-AUC > 0.7)', async () => {
    const all = [];
    let cursor = '';
    do {
      const page = await service.list({ caller, method: 'combined', status: 'open', cursor, limit: 40 });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(seeded.length - 1);
    for (let i = 1; i < all.length; i += 1) expect(all[i - 1].score).toBeGreaterThanOrEqual(all[i].score);
    const auc = rocAuc(
      all.map((i) => i.score),
      all.map((i) => planted.has(i.imageId)),
    );
    expect(auc).toBeGreaterThan(0.7);
    expect(all[0].thumbnailUrl).toMatch(/^signed:/);
  });

  run('lists by one method, sorted by that component', async () => {
    const page = await service.list({ caller, method: 'quality', status: 'open', cursor: '', limit: 20 });
    const scores = page.items.map((i) => i.components?.quality ?? -1);
    expect(page.items.map((i) => i.score)).toEqual(scores);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  run('stores a review and moves the image from the open to the reviewed queue', async () => {
    const [top] = (await service.list({ caller, method: 'combined', status: 'open', cursor: '', limit: 1 }))
      .items;
    const reviewed = await service.review({
      caller,
      imageId: top.imageId,
      verdict: 'anomaly',
      note: 'scan, not a photo',
    });
    expect(reviewed.item).toMatchObject({ imageId: top.imageId, status: 'reviewed', verdict: 'anomaly' });
    const open = await service.list({ caller, method: 'combined', status: 'open', cursor: '', limit: 100 });
    expect(open.items.map((i) => i.imageId)).not.toContain(top.imageId);
    const done = await service.list({
      caller,
      method: 'combined',
      status: 'reviewed',
      cursor: '',
      limit: 100,
    });
    expect(done.items.map((i) => i.imageId)).toEqual([top.imageId]);
    const notes = await stores.dataSource.query(
      `SELECT note, user_id FROM anomaly_reviews WHERE image_id = $1`,
      [top.imageId],
    );
    expect(notes[0]).toEqual({ note: 'scan, not a photo', user_id: 'reviewer-1' });
  });

  run('scores a new image and the neighbours it entered through the scoring queue', async () => {
    const late = seeded[seeded.length - 1];
    await seedImages(stores, OWNER, [late]);
    const before = new Map(
      (
        (await stores.dataSource.query(`SELECT image_id, raw FROM anomaly_scores WHERE owner_user_id = $1`, [
          OWNER,
        ])) as { image_id: string; raw: { density: number } }[]
      ).map((r) => [r.image_id.trim(), r.raw.density]),
    );
    await service.scoreImage({ caller, imageId: late.imageId });
    // The runner is not started here: the batch is a queued job that sweep() runs.
    await queue.submittedNow();
    await runner.sweep();
    await scoring.settle();
    const rows = (await stores.dataSource.query(
      `SELECT image_id, combined, raw FROM anomaly_scores WHERE owner_user_id = $1`,
      [OWNER],
    )) as { image_id: string; combined: number; raw: { density: number; knn: { id: string }[] } }[];
    const mine = rows.find((r) => r.image_id.trim() === late.imageId);
    expect(mine?.combined).toBeGreaterThan(0);
    expect(mine?.raw.knn).toHaveLength(10);
    // Its neighbours' lists gained it: their density can only have dropped (a closer neighbour).
    const [point] = (await stores.vectors.scroll(OWNER, { filter: { imageIds: [late.imageId] }, limit: 1 }))
      .points;
    const entered = rows.filter((r) => r.raw.knn.some((n) => n.id === point.id));
    expect(entered.length).toBeGreaterThan(0);
    for (const r of entered)
      expect(r.raw.density).toBeLessThanOrEqual((before.get(r.image_id.trim()) ?? 1) + 1e-9);
    // The payload carries the new score.
    expect(Math.abs(point.payload.anomalyScore - (mine?.combined ?? 0))).toBeLessThanOrEqual(0.025 + 1e-6);
    expect(queue.waiting).toBe(0);
  });

  run("answers not_found for another tenant's image and lists nothing of it", async () => {
    const foreign = { ownerUserId: 'tenant-b', userId: 'x' };
    await expect(
      service.review({ caller: foreign, imageId: seeded[0].imageId, verdict: 'ok', note: '' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(
      (await service.list({ caller: foreign, method: '', status: '', cursor: '', limit: 10 })).items,
    ).toEqual([]);
  });

  run('rejects an unknown method or verdict', async () => {
    await expect(
      service.list({ caller, method: 'lof', status: '', cursor: '', limit: 10 }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(
      service.review({ caller, imageId: seeded[0].imageId, verdict: 'bad', note: '' }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
