import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ulid } from 'ulid';
import {
  AnomalyReviewRepository,
  AuditLogRepository,
  CalibrationEvidenceRepository,
  DedupRepository,
  EmbeddingMapRepository,
  FeedbackRepository,
  ImageRepository,
  JobRepository,
  PairVerificationRepository,
  persistenceMigrations,
  StatsRepository,
  TenantSettingsRepository,
  VideoRepository,
  type NewImage,
  type NewVideo,
} from '../src';

export interface DatabaseHarness {
  dataSource: DataSource;
  close(): Promise<void>;
}

const TABLES = [
  'images',
  'jobs',
  'feedback',
  'dedup_groups',
  'dedup_decisions',
  'anomaly_reviews',
  'audit_log',
  'pair_verifications',
  'videos',
  'tenant_settings',
  'decision_signals',
  'ingest_outcomes',
  'embedding_maps',
];

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function image(owner: string, text: string, extra: Partial<NewImage> = {}): NewImage {
  return {
    ownerUserId: owner,
    sha256: sha(text),
    bucket: 'b',
    key: `${owner}/2026/01/${ulid()}.png`,
    sizeBytes: 1234,
    source: 'upload',
    ...extra,
  };
}

function video(owner: string, text: string): NewVideo {
  return {
    ownerUserId: owner,
    sha256: sha(text),
    bucket: 'b',
    key: `${owner}/2026/01/${ulid()}.mp4`,
    sizeBytes: 5_000_000_000,
    source: 'upload',
    tags: ['trip'],
    container: 'mp4',
    codec: 'h264',
    durationMs: 60_000,
    fps: 29.97,
    width: 1280,
    height: 720,
    frameCount: 1798,
    hasAudio: true,
  };
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(LookalikeError);
  await expect(promise).rejects.toMatchObject({ code });
}

/** What every SQL backend must do; PGlite and PostgreSQL suites each call this once. */
export function describePersistenceContract(name: string, setup: () => Promise<DatabaseHarness>): void {
  describe(`persistence contract: ${name}`, () => {
    let harness: DatabaseHarness;
    let db: DataSource;
    let owner: string;

    beforeAll(async () => {
      harness = await setup();
      db = harness.dataSource;
    }, 120_000);
    afterAll(async () => harness?.close());
    beforeEach(() => {
      owner = `owner-${ulid().toLowerCase()}`;
    });

    describe('schema', () => {
      it('applies every migration from empty, and the entities match the migrated tables', async () => {
        const applied = (await db.query('SELECT name FROM schema_migrations ORDER BY id')) as {
          name: string;
        }[];
        expect(applied.map((row) => row.name)).toEqual(
          persistenceMigrations.map((migration) => migration.name),
        );
        const tables = (await db.query(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
        )) as { table_name: string }[];
        expect(tables.map((row) => row.table_name)).toEqual(expect.arrayContaining(TABLES));
        expect(await db.showMigrations()).toBe(false);
        // What TypeORM would change to make the tables fit the entities: nothing.
        const pending = await db.driver.createSchemaBuilder().log();
        expect(pending.upQueries.map((query) => query.query)).toEqual([]);
      });

      it('enforces the allowed values in the database itself', async () => {
        await expect(
          db.query(
            `INSERT INTO images (image_id, owner_user_id, sha256, status, bucket, object_key, size_bytes, source)
             VALUES ($1, 'o', $2, 'bogus', 'b', 'k', 1, 'upload')`,
            [ulid(), sha('x')],
          ),
        ).rejects.toThrow(/ck_images_status/);
        await expect(
          db.query(
            `INSERT INTO dedup_decisions (decision_id, owner_user_id, image_a, image_b, verdict, user_id)
             VALUES ($1, 'o', 'B', 'A', 'duplicate', 'u')`,
            [ulid()],
          ),
        ).rejects.toThrow(/ck_dedup_decisions_pair_order/);
      });
    });

    describe('images', () => {
      it('creates exactly one row when 50 inserts of the same bytes race', async () => {
        const images = new ImageRepository(db);
        const results = await Promise.all(
          Array.from({ length: 50 }, () => images.insertIfAbsent(image(owner, 'same'))),
        );
        const created = results.filter((result) => result.status === 'created');
        expect(created).toHaveLength(1);
        expect(results.filter((result) => result.status === 'duplicate')).toHaveLength(49);
        expect(new Set(results.map((result) => result.image.imageId))).toEqual(
          new Set([created[0].image.imageId]),
        );
        const [{ count }] = (await db.query(
          'SELECT count(*)::int AS count FROM images WHERE owner_user_id = $1',
          [owner],
        )) as { count: number }[];
        expect(count).toBe(1);
      });

      it('keeps the same bytes once per owner, not once overall', async () => {
        const images = new ImageRepository(db);
        const first = await images.insertIfAbsent(image(owner, 'shared'));
        const second = await images.insertIfAbsent(image(`${owner}-b`, 'shared'));
        expect([first.status, second.status]).toEqual(['created', 'created']);
        expect(first.image.imageId).not.toBe(second.image.imageId);
        expect(await images.findById(`${owner}-b`, first.image.imageId)).toBeNull();
      });

      it('round-trips every column type', async () => {
        const images = new ImageRepository(db);
        const { image: created } = await images.insertIfAbsent(
          image(owner, 'columns', {
            tags: ['cat', 'night'],
            width: 640,
            height: 480,
            format: 'png',
            phash: 'ff00ff00ff00ff00',
          }),
        );
        expect(created).toMatchObject({
          status: 'stored',
          sizeBytes: 1234,
          tags: ['cat', 'night'],
          width: 640,
        });
        expect(created.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
        // The insert's RETURNING row reads back as a SELECT would.
        expect(created).toEqual(await images.findById(owner, created.imageId));
        const updated = await images.update(owner, created.imageId, {
          sizeBytes: 5_000_000_000,
          qualityScore: 0.25,
          qualityFlags: ['dark', 'blurry'],
          qualityMetrics: { brightness: 0.1, laplacianVariance: 3.5 },
          nsfwScore: 0.01,
        });
        expect(updated).toEqual(await images.findById(owner, created.imageId));
        expect(updated).toMatchObject({
          sizeBytes: 5_000_000_000,
          qualityScore: 0.25,
          qualityFlags: ['dark', 'blurry'],
          qualityMetrics: { brightness: 0.1, laplacianVariance: 3.5 },
          nsfwScore: 0.01,
        });
        expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
        await expectCode(images.update(`${owner}-other`, created.imageId, { tags: [] }), ErrorCode.NotFound);
        expect(await images.remove(owner, created.imageId)).toBe(true);
        expect(await images.remove(owner, created.imageId)).toBe(false);
      });

      it('pages newest first with a cursor, ties broken by id, without gaps or repeats', async () => {
        const images = new ImageRepository(db);
        const base = Date.parse('2026-03-01T00:00:00.000Z');
        const inserted: { id: string; at: number }[] = [];
        for (let i = 0; i < 25; i += 1) {
          // Every third pair shares a timestamp, so the id must order them.
          const at = base + Math.floor(i / 2) * 1000 + (i % 3 === 0 ? 0.4 : 0);
          const { image: row } = await images.insertIfAbsent(
            image(owner, `page-${i}`, {
              createdAt: new Date(Math.floor(at)),
              tags: i % 5 === 0 ? ['five'] : [],
            }),
          );
          inserted.push({ id: row.imageId, at: Math.floor(at) });
        }
        await images.insertIfAbsent(
          image(`${owner}-other`, 'not mine', { createdAt: new Date(base + 5000) }),
        );
        const expected = [...inserted]
          .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
          .map((row) => row.id);

        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await images.list(owner, { limit: 10, cursor });
          seen.push(...page.items.map((row) => row.imageId));
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor);
        expect(pages).toBe(3);
        expect(seen).toEqual(expected);

        const tagged = await images.list(owner, { limit: 100, tagsAny: ['five', 'absent'] });
        expect(tagged.items).toHaveLength(5);
        expect(tagged.nextCursor).toBeNull();
        await expectCode(images.list(owner, { cursor: 'not-a-cursor' }), ErrorCode.InvalidArgument);
        await expectCode(images.list(owner, { limit: 0 }), ErrorCode.InvalidArgument);
      });

      it('moves through the pipeline forward only, accepts replays, and never leaves deleting', async () => {
        const images = new ImageRepository(db);
        const { image: row } = await images.insertIfAbsent(image(owner, 'pipeline'));
        const id = row.imageId;
        expect((await images.transition(owner, id, 'hashed', { phash: '0123456789abcdef' })).phash).toBe(
          '0123456789abcdef',
        );
        await images.transition(owner, id, 'embedded', { modelName: 'clip', modelVersion: 'vit-b-32' });
        const indexed = await images.transition(owner, id, 'indexed', {
          qualityFlags: ['blurry'],
          qualityMetrics: { blurEffect: 0.6 },
          nsfwScore: 0.25,
        });
        // The entity the write returns is the one a read gives (types, arrays, json, dates).
        expect(indexed).toEqual(await images.findById(owner, id));
        expect(indexed.updatedAt).toBeInstanceOf(Date);
        expect((await images.transition(owner, id, 'indexed')).status).toBe('indexed');
        await expectCode(images.transition(owner, id, 'hashed'), ErrorCode.Conflict);
        expect((await images.transition(owner, id, 'failed', { error: 'index write failed' })).error).toBe(
          'index write failed',
        );
        expect((await images.transition(owner, id, 'embedded')).status).toBe('embedded');
        await images.transition(owner, id, 'deleting');
        await expectCode(images.transition(owner, id, 'indexed'), ErrorCode.Conflict);
        await expectCode(images.transition(owner, id, 'failed'), ErrorCode.Conflict);
        await expectCode(images.transition(owner, ulid(), 'hashed'), ErrorCode.NotFound);
        await expectCode(images.transition(`${owner}-other`, id, 'deleting'), ErrorCode.NotFound);
        expect((await images.findById(owner, id))?.modelName).toBe('clip');
      });

      it('finds images stuck in a state for the reconciler', async () => {
        const images = new ImageRepository(db);
        const { image: row } = await images.insertIfAbsent(image(owner, 'stuck'));
        const stale = await images.findStale(['stored'], new Date(Date.now() + 60_000), 1000);
        expect(stale.map((candidate) => candidate.imageId)).toContain(row.imageId);
        const fresh = await images.findStale(['stored'], new Date(Date.now() - 3_600_000), 1000);
        expect(fresh.map((candidate) => candidate.imageId)).not.toContain(row.imageId);
      });
    });

    describe('QC statistics and the embedding map', () => {
      it('counts a tenant (or every tenant), adds upload outcomes, and makes series', async () => {
        const stats = new StatsRepository(db);
        const images = new ImageRepository(db);
        const dedup = new DedupRepository(db);
        const tenant = `${owner}-qc`;
        const ids: string[] = [];
        for (const text of ['q1', 'q2', 'q3', 'q4']) {
          ids.push((await images.insertIfAbsent(image(tenant, text))).image.imageId);
        }
        await images.transition(tenant, ids[0]!, 'hashed');
        await images.insertIfAbsent(image(`${tenant}-small`, 'q5'));
        const [a, b, c, d] = ids as [string, string, string, string];
        const exact = await dedup.upsertGroup({
          ownerUserId: tenant,
          kind: 'exact',
          members: [{ imageId: a }, { imageId: b }],
        });
        await dedup.upsertGroup({
          ownerUserId: tenant,
          kind: 'near',
          members: [{ imageId: a }, { imageId: b }, { imageId: c }],
        });
        const similar = await dedup.upsertGroup({
          ownerUserId: tenant,
          kind: 'similar',
          members: [{ imageId: c }, { imageId: d }],
        });
        await dedup.resolveGroup(tenant, similar.group.groupId, 'reviewer', [
          { imageA: c, imageB: d, verdict: 'not_duplicate' },
        ]);
        const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
        await stats.addOutcomes([
          { ownerUserId: tenant, hour, outcome: 'created', count: 4 },
          { ownerUserId: tenant, hour, outcome: 'rejected', count: 1 },
        ]);
        await stats.addOutcomes([{ ownerUserId: tenant, hour, outcome: 'rejected', count: 2 }]);

        const [mine] = await stats.counts(tenant, 0.8, new Date(hour.getTime() - 86_400_000));
        expect(mine).toMatchObject({
          owner: tenant,
          stills: 4,
          frames: 0,
          indexed: 0,
          processing: 4,
          reviews: { lastHour: 1, lastDay: 1 },
          outcomes: { created: 4, rejected: 3 },
          anomalyQueue: { depth: 0, oldest: null },
        });
        expect(mine!.openImageGroups.map((g) => `${g.kind}:${g.membersKey}`).sort()).toEqual(
          [`exact:${exact.group.membersKey}`, `near:${[a, b, c].sort().join(',')}`].sort(),
        );
        expect(mine!.groups).toEqual(
          expect.arrayContaining([
            { media: 'image', kind: 'exact', status: 'open', count: 1, members: 2 },
            { media: 'image', kind: 'similar', status: 'resolved', count: 1, members: 2 },
          ]),
        );
        // Outcomes older than the window are left out.
        const [later] = await stats.counts(tenant, 0.8, new Date(hour.getTime() + 3_600_000));
        expect(later!.outcomes).toEqual({});
        const all = await stats.counts(undefined, 0.8, hour);
        expect(all.find((t) => t.owner === `${tenant}-small`)).toMatchObject({ stills: 1 });
        expect(all.find((t) => t.owner === tenant)).toMatchObject({ stills: 4 });
        expect((await stats.largestTenants(1000)).indexOf(tenant)).toBeLessThan(
          (await stats.largestTenants(1000)).indexOf(`${tenant}-small`),
        );

        const to = new Date(hour.getTime() + 3_600_000);
        const series = await stats.series(tenant, new Date(to.getTime() - 3 * 3_600_000), to, 3600);
        expect(series).toHaveLength(3);
        expect(series[2]).toMatchObject({ t: hour, uploads: 4, duplicateGroups: 3, reviews: 1, backlog: 2 });
        expect(series[0]).toMatchObject({ uploads: 0, backlog: 0 });
      });

      it('keeps one map per tenant and lists the open image groups that colour it', async () => {
        const maps = new EmbeddingMapRepository(db);
        const dedup = new DedupRepository(db);
        const tenant = `${owner}-map`;
        expect(await maps.get(tenant)).toBeNull();
        const [a, b, c] = [ulid(), ulid(), ulid()];
        const point = (imageId: string, x: number) => ({ imageId, x, y: 1 - x, anomaly: 0.5, tag: 'trip' });
        await maps.save({
          ownerUserId: tenant,
          method: 'umap',
          modelName: 'm',
          totalPoints: 3,
          points: [point(a, 0)],
          jobId: null,
        });
        const job = ulid();
        await maps.save({
          ownerUserId: tenant,
          method: 'umap',
          modelName: 'm2',
          totalPoints: 5,
          points: [point(a, 0), point(b, 1)],
          jobId: job,
        });
        const saved = await maps.get(tenant);
        expect(saved).toMatchObject({
          modelName: 'm2',
          totalPoints: 5,
          jobId: job,
          points: [point(a, 0), point(b, 1)],
        });
        const near = await dedup.upsertGroup({
          ownerUserId: tenant,
          kind: 'near',
          members: [{ imageId: a }, { imageId: b }],
        });
        const exact = await dedup.upsertGroup({
          ownerUserId: tenant,
          kind: 'exact',
          members: [{ imageId: b }, { imageId: c }],
        });
        const members = await maps.openGroupMembers(tenant);
        // The exact group first: b is coloured by it.
        expect(members.slice(0, 2).map((m) => [m.imageId, m.groupId, m.kind])).toEqual(
          expect.arrayContaining([
            [b, exact.group.groupId, 'exact'],
            [c, exact.group.groupId, 'exact'],
          ]),
        );
        expect(members.find((m) => m.imageId === a)).toMatchObject({
          groupId: near.group.groupId,
          kind: 'near',
        });
        expect(await maps.openGroupMembers(`${tenant}-other`)).toEqual([]);
      });
    });

    describe('videos', () => {
      it('keeps the same bytes once per owner and round-trips every column', async () => {
        const videos = new VideoRepository(db);
        const first = await videos.insertIfAbsent(video(owner, 'clip'));
        expect(first.status).toBe('created');
        expect(first.video).toMatchObject({
          status: 'stored',
          sizeBytes: 5_000_000_000,
          fps: 29.97,
          tags: ['trip'],
          shots: [],
        });
        expect(first.video).toEqual(await videos.findById(owner, first.video.videoId));
        const again = await videos.insertIfAbsent(video(owner, 'clip'));
        expect(again).toMatchObject({ status: 'duplicate', video: { videoId: first.video.videoId } });
        const other = await videos.insertIfAbsent(video(`${owner}-b`, 'clip'));
        expect(other.status).toBe('created');
        expect(await videos.findById(`${owner}-b`, first.video.videoId)).toBeNull();
      });

      it('extracts forward only, records shots and progress, and lists frames in time order', async () => {
        const videos = new VideoRepository(db);
        const images = new ImageRepository(db);
        const { video: row } = await videos.insertIfAbsent(video(owner, 'shots'));
        const id = row.videoId;
        await expectCode(videos.transition(owner, id, 'indexed'), ErrorCode.Conflict);
        const extracting = await videos.transition(owner, id, 'extracting', {
          framesTotal: 3,
          jobId: ulid(),
        });
        expect(extracting).toMatchObject({ status: 'extracting', framesTotal: 3, framesDone: 0 });
        expect((await videos.update(owner, id, { framesDone: 2 })).framesDone).toBe(2);
        for (const [frameIndex, tMs, shotId] of [
          [60, 2000, 1],
          [0, 0, 0],
          [120, 4000, 1],
        ]) {
          await images.insertIfAbsent(
            image(owner, `frame-${frameIndex}`, { frame: { videoId: id, frameIndex, tMs, shotId } }),
          );
        }
        await images.insertIfAbsent(image(owner, 'a photo'));
        const frames = await videos.frames(owner, id);
        expect(frames.map((f) => [f.frameIndex, f.tMs, f.shotId, f.videoId])).toEqual([
          [0, 0, 0, id],
          [60, 2000, 1, id],
          [120, 4000, 1, id],
        ]);
        expect(await videos.frames(`${owner}-other`, id)).toEqual([]);
        const shots = [
          { shotId: 0, startMs: 0, endMs: 2000, frameIndex: 0 },
          { shotId: 1, startMs: 2000, endMs: 60_000, frameIndex: 60 },
        ];
        const indexed = await videos.transition(owner, id, 'indexed', {
          shots,
          posterImageId: frames[0]!.imageId,
          framesDone: 3,
        });
        expect(indexed).toEqual(await videos.findById(owner, id));
        expect(indexed.shots).toEqual(shots);
        expect((await videos.transition(owner, id, 'indexed')).status).toBe('indexed');
        expect((await videos.findByIds(owner, [id, ulid()])).map((v) => v.videoId)).toEqual([id]);
        expect((await videos.framesOf(owner, [id])).map((f) => f.tMs)).toEqual([0, 2000, 4000]);
        expect(await videos.framesOf(`${owner}-other`, [id])).toEqual([]);
        await videos.transition(owner, id, 'deleting');
        expect((await videos.deleting(owner)).map((v) => v.videoId)).toContain(id);
        // A video's deletion marks its frames first (one statement), the photo is untouched.
        const marked = await videos.markFramesDeleting(owner, id);
        expect(marked.map((f) => [f.tMs, f.status])).toEqual(
          expect.arrayContaining([
            [0, 'deleting'],
            [2000, 'deleting'],
            [4000, 'deleting'],
          ]),
        );
        expect(marked).toHaveLength(3);
        expect(await images.findById(owner, marked[0]!.imageId)).toEqual(
          marked.find((f) => f.imageId === marked[0]!.imageId),
        );
        await expectCode(videos.transition(owner, id, 'extracting'), ErrorCode.Conflict);
        await expectCode(videos.transition(owner, ulid(), 'extracting'), ErrorCode.NotFound);
        await expectCode(videos.update(`${owner}-other`, id, { framesDone: 1 }), ErrorCode.NotFound);
        expect(await videos.remove(owner, id)).toBe(true);
        expect(await videos.remove(owner, id)).toBe(false);
      });

      it('pages newest first with a cursor', async () => {
        const videos = new VideoRepository(db);
        for (let i = 0; i < 5; i += 1) await videos.insertIfAbsent(video(owner, `page-${i}`));
        const first = await videos.list(owner, { limit: 3 });
        expect(first.items).toHaveLength(3);
        const second = await videos.list(owner, { limit: 3, cursor: first.nextCursor ?? undefined });
        expect(second.items).toHaveLength(2);
        expect(second.nextCursor).toBeNull();
        const ids = [...first.items, ...second.items].map((v) => v.videoId);
        expect(new Set(ids).size).toBe(5);
        expect(ids).toEqual([...ids].sort().reverse());
      });
    });

    describe('jobs', () => {
      it('runs queued -> running -> succeeded under a lease held by one worker', async () => {
        const jobs = new JobRepository(db);
        const kind = `ingest-${ulid()}`;
        const { job, created } = await jobs.create({
          ownerUserId: owner,
          kind,
          payload: { keys: ['a', 'b'] },
          total: 2,
        });
        expect(created).toBe(true);
        expect(job).toMatchObject({
          state: 'queued',
          done: 0,
          total: 2,
          attempts: 0,
          failures: [],
          payload: { keys: ['a', 'b'] },
        });

        const claimed = await jobs.claim({ workerId: 'w1', kinds: [kind], leaseSeconds: 60 });
        expect(claimed).toMatchObject({ jobId: job.jobId, state: 'running', attempts: 1, leaseOwner: 'w1' });
        expect(claimed?.leaseExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 30_000);
        expect(await jobs.claim({ workerId: 'w2', kinds: [kind], leaseSeconds: 60 })).toBeNull();

        await jobs.progress(job.jobId, 'w1', {
          done: 1,
          failures: [{ item: 'a', code: 'unsupported_media_type', reason: 'svg' }],
        });
        const progressed = await jobs.progress(job.jobId, 'w1', {
          done: 2,
          failures: [{ item: 'b', code: 'payload_too_large', reason: 'too big' }],
        });
        expect(progressed.done).toBe(2);
        expect(progressed.failures.map((failure) => failure.item)).toEqual(['a', 'b']);
        await expectCode(jobs.progress(job.jobId, 'w2', { done: 2 }), ErrorCode.Conflict);

        const done = await jobs.complete(job.jobId, 'w1', { created: 1 });
        expect(done).toMatchObject({ state: 'succeeded', result: { created: 1 }, leaseOwner: null });
        expect(done.finishedAt).not.toBeNull();
        await expectCode(jobs.complete(job.jobId, 'w1'), ErrorCode.Conflict);
        await expectCode(jobs.cancel(owner, job.jobId), ErrorCode.Conflict);
        expect(await jobs.get(`${owner}-other`, job.jobId)).toBeNull();
      });

      it('retries a retryable failure until attempts run out', async () => {
        const jobs = new JobRepository(db);
        const kind = `sweep-${ulid()}`;
        const { job } = await jobs.create({ ownerUserId: owner, kind, maxAttempts: 2 });
        await jobs.claim({ workerId: 'w1', kinds: [kind], leaseSeconds: 60 });
        expect(await jobs.fail(job.jobId, 'w1', 'nats timeout', { retryable: true })).toMatchObject({
          state: 'queued',
          error: 'nats timeout',
          leaseOwner: null,
        });
        expect(await jobs.claim({ workerId: 'w2', kinds: [kind], leaseSeconds: 60 })).toMatchObject({
          attempts: 2,
        });
        expect(await jobs.fail(job.jobId, 'w2', 'nats timeout again', { retryable: true })).toMatchObject({
          state: 'failed',
          attempts: 2,
        });
        expect(await jobs.claim({ workerId: 'w3', kinds: [kind], leaseSeconds: 60 })).toBeNull();
      });

      it('hands a job whose lease expired to another worker, and fails it when attempts run out', async () => {
        const jobs = new JobRepository(db);
        const kind = `reindex-${ulid()}`;
        const { job } = await jobs.create({ ownerUserId: owner, kind, maxAttempts: 2 });
        await jobs.claim({ workerId: 'w1', kinds: [kind], leaseSeconds: 0 });
        await new Promise((resolve) => setTimeout(resolve, 20));
        const stolen = await jobs.claim({ workerId: 'w2', kinds: [kind], leaseSeconds: 0 });
        expect(stolen).toMatchObject({ jobId: job.jobId, leaseOwner: 'w2', attempts: 2 });
        await expectCode(jobs.progress(job.jobId, 'w1', { done: 1 }), ErrorCode.Conflict);
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(await jobs.claim({ workerId: 'w3', kinds: [kind], leaseSeconds: 60 })).toBeNull();
        expect(await jobs.get(owner, job.jobId)).toMatchObject({
          state: 'failed',
          error: 'lease expired after 2 attempts',
        });
      });

      it('cancels queued and running jobs and stops their worker', async () => {
        const jobs = new JobRepository(db);
        const kind = `scan-${ulid()}`;
        const { job: queued } = await jobs.create({ ownerUserId: owner, kind });
        expect((await jobs.cancel(owner, queued.jobId)).state).toBe('cancelled');
        expect((await jobs.cancel(owner, queued.jobId)).state).toBe('cancelled');
        const { job: running } = await jobs.create({ ownerUserId: owner, kind });
        await jobs.claim({ workerId: 'w1', kinds: [kind], leaseSeconds: 60 });
        await jobs.cancel(owner, running.jobId);
        await expectCode(jobs.progress(running.jobId, 'w1', { done: 1 }), ErrorCode.Conflict);
        await expectCode(jobs.cancel(owner, ulid()), ErrorCode.NotFound);
      });

      it('returns the first job for a repeated idempotency key', async () => {
        const jobs = new JobRepository(db);
        const first = await jobs.create({ ownerUserId: owner, kind: 'batch', idempotencyKey: 'upload-42' });
        const again = await jobs.create({ ownerUserId: owner, kind: 'batch', idempotencyKey: 'upload-42' });
        expect(again).toEqual({ job: first.job, created: false });
        const other = await jobs.create({ ownerUserId: owner, kind: 'batch' });
        expect(other.created).toBe(true);
        const page = await jobs.list(owner, { limit: 1 });
        expect(page.items).toHaveLength(1);
        expect((await jobs.list(owner, { limit: 1, cursor: page.nextCursor })).items).toHaveLength(1);
      });

      it('leaves a delayed job queued until its run_after, then hands it out', async () => {
        const jobs = new JobRepository(db);
        const kind = `delayed-${ulid()}`;
        const { job } = await jobs.create({
          ownerUserId: owner,
          kind,
          runAfter: new Date(Date.now() + 3_600_000),
        });
        expect(job.runAfter?.getTime()).toBeGreaterThan(Date.now());
        expect(await jobs.claim({ workerId: 'w1', kinds: [kind], leaseSeconds: 60 })).toBeNull();
        await db.query(`UPDATE jobs SET run_after = now() - interval '1 second' WHERE job_id = $1`, [
          job.jobId,
        ]);
        expect(await jobs.claim({ workerId: 'w1', kinds: [kind], leaseSeconds: 60 })).toMatchObject({
          jobId: job.jobId,
          state: 'running',
        });
      });

      it('gives each of many concurrent claimers a different job', async () => {
        const jobs = new JobRepository(db);
        const kind = `parallel-${ulid()}`;
        for (let i = 0; i < 8; i += 1) await jobs.create({ ownerUserId: owner, kind });
        const claims = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            jobs.claim({ workerId: `w${i}`, kinds: [kind], leaseSeconds: 60 }),
          ),
        );
        const won = claims.filter((claim) => claim !== null);
        expect(won).toHaveLength(8);
        expect(new Set(won.map((claim) => claim?.jobId)).size).toBe(8);
      });
    });

    describe('reviews and decisions', () => {
      it('records feedback and counts it per image', async () => {
        const feedback = new FeedbackRepository(db);
        const [a, b] = [ulid(), ulid()];
        await feedback.record({
          ownerUserId: owner,
          userId: 'u1',
          imageId: a,
          action: 'irrelevant',
          queryId: 'q1',
        });
        await feedback.record({ ownerUserId: owner, userId: 'u2', imageId: a, action: 'irrelevant' });
        await feedback.record({
          ownerUserId: owner,
          userId: 'u1',
          imageId: a,
          action: 'relevant',
          note: 'same cat',
        });
        await feedback.record({
          ownerUserId: `${owner}-other`,
          userId: 'u9',
          imageId: a,
          action: 'duplicate',
        });
        const counts = await feedback.countsByImage(owner, [a, b]);
        expect(counts.get(a)).toEqual({ irrelevant: 2, relevant: 1 });
        expect(counts.has(b)).toBe(false);
        const hardNegatives = await feedback.list(owner, { action: 'irrelevant' });
        expect(hardNegatives.items.map((row) => row.userId)).toEqual(['u2', 'u1']);
        expect((await feedback.list(owner, { imageId: a })).items).toHaveLength(3);
      });

      it('keeps pair verifications by pair and method, replaces them, and drops them with an image', async () => {
        const store = new PairVerificationRepository(db);
        const images = new ImageRepository(db);
        const [a, b, c] = await Promise.all(
          ['pv-a', 'pv-b', 'pv-c'].map(
            async (text) => (await images.insertIfAbsent(image(owner, text))).image.imageId,
          ),
        );
        const [x, y, z] = [a, b, c].sort();
        const geometry = { verified: true, inliers: 42, homography: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
        await store.save<object>(owner, 'orb-v1', [
          { imageA: x!, imageB: y!, verified: true, geometry },
          { imageA: x!, imageB: z!, verified: false, geometry: { verified: false, outcome: 'few_matches' } },
        ]);
        const found = await store.find<object>(owner, 'orb-v1', [
          [x!, y!],
          [x!, z!],
          [y!, z!],
        ]);
        expect(found.sort((p, q) => p.imageB.localeCompare(q.imageB))).toEqual([
          { imageA: x, imageB: y, verified: true, geometry },
          { imageA: x, imageB: z, verified: false, geometry: { verified: false, outcome: 'few_matches' } },
        ]);
        // Another method does not answer; another owner sees nothing.
        expect(await store.find(owner, 'orb-v2', [[x!, y!]])).toEqual([]);
        expect(await store.find(`${owner}-other`, 'orb-v1', [[x!, y!]])).toEqual([]);
        // Verified again by a newer method: the row is replaced.
        await store.save(owner, 'orb-v2', [{ imageA: x!, imageB: y!, verified: false, geometry: {} }]);
        expect(await store.find(owner, 'orb-v1', [[x!, y!]])).toEqual([]);
        expect(await store.find(owner, 'orb-v2', [[x!, y!]])).toMatchObject([{ verified: false }]);
        // Deleting an image drops every pair it is in, on either side.
        expect(await images.remove(owner, x!)).toBe(true);
        expect(await store.find(owner, 'orb-v2', [[x!, y!]])).toEqual([]);
        expect(await store.find(owner, 'orb-v1', [[x!, z!]])).toEqual([]);
        await store.save(owner, 'orb-v1', [{ imageA: y!, imageB: z!, verified: true, geometry }]);
        expect(await store.forgetImages(owner, [z!])).toBe(1);
        expect(await store.find(owner, 'orb-v1', [[y!, z!]])).toEqual([]);
      });

      it('keeps video groups apart from image groups, finds open ones by member and drops them', async () => {
        const dedup = new DedupRepository(db);
        const [v1, v2, v3, p1, p2, p3] = [ulid(), ulid(), ulid(), ulid(), ulid(), ulid()];
        const member = (videoId: string, imageId: string, offsetMs: number) => ({
          imageId,
          video: { videoId, offsetMs, matchedShare: 1, otherMatchedShare: 0.9, matchedFrames: 4 },
        });
        const saved = await dedup.upsertGroup({
          ownerUserId: owner,
          kind: 'near',
          media: 'video',
          members: [member(v1, p1, 0), member(v2, p2, -3000)],
          suggestedKeep: v1,
        });
        expect(saved.group).toMatchObject({ media: 'video', membersKey: [v1, v2].sort().join(',') });
        expect(saved.group.members[1]!.video).toMatchObject({ videoId: v2, offsetMs: -3000 });
        expect(saved.group).toEqual(await dedup.getGroup(owner, saved.group.groupId));
        // Same posters, other videos: another group (members are keyed by video).
        const other = await dedup.upsertGroup({
          ownerUserId: owner,
          kind: 'near',
          media: 'video',
          members: [member(v3, p1, 0), member(v2, p2, 0)],
          suggestedKeep: v3,
        });
        expect(other.created).toBe(true);
        await expectCode(
          dedup.upsertGroup({
            ownerUserId: owner,
            kind: 'near',
            media: 'video',
            members: [{ imageId: p1 }, { imageId: p2 }],
          }),
          ErrorCode.InvalidArgument,
        );
        const image = await dedup.upsertGroup({
          ownerUserId: owner,
          kind: 'near',
          members: [{ imageId: p1 }, { imageId: p3 }],
        });
        expect(image.group.media).toBe('image');
        expect(
          (await dedup.listGroups(owner, { media: 'video' })).items.map((g) => g.groupId).sort(),
        ).toEqual([saved.group.groupId, other.group.groupId].sort());
        expect((await dedup.listGroups(owner, { media: 'image' })).items.map((g) => g.groupId)).toContain(
          image.group.groupId,
        );
        const holding = await dedup.openGroupsHolding(owner, 'video', [v1]);
        expect(holding.map((g) => g.groupId)).toEqual([saved.group.groupId]);
        expect((await dedup.openGroupsHolding(owner, 'video', [v2])).map((g) => g.groupId).sort()).toEqual(
          [saved.group.groupId, other.group.groupId].sort(),
        );
        expect(await dedup.openGroupsHolding(owner, 'video', [p1])).toEqual([]);
        expect((await dedup.openGroupsHolding(owner, 'image', [p3])).map((g) => g.groupId)).toEqual([
          image.group.groupId,
        ]);
        expect(await dedup.openGroupsHolding(`${owner}-other`, 'video', [v1])).toEqual([]);
        // Resolved groups are not dropped.
        await dedup.resolveGroup(owner, other.group.groupId, 'reviewer', [
          { imageA: v3, imageB: v2, verdict: 'not_duplicate' },
        ]);
        expect(await dedup.deleteOpenGroups(owner, [saved.group.groupId, other.group.groupId])).toBe(1);
        expect(await dedup.getGroup(owner, saved.group.groupId)).toBeNull();
        expect(await dedup.getGroup(owner, other.group.groupId)).toMatchObject({ status: 'resolved' });
      });

      it('saves a re-found dedup group once and keeps a resolved group as resolved', async () => {
        const dedup = new DedupRepository(db);
        const [a, b, c] = [ulid(), ulid(), ulid()];
        const members = [
          { imageId: a, hamming: 0 },
          { imageId: b, hamming: 2, cosine: 0.98 },
        ];
        const first = await dedup.upsertGroup({
          ownerUserId: owner,
          kind: 'near',
          members,
          suggestedKeep: a,
        });
        // The upsert's RETURNING row reads back as a SELECT would.
        expect(first.group).toEqual(await dedup.getGroup(owner, first.group.groupId));
        const again = await dedup.upsertGroup({
          ownerUserId: owner,
          kind: 'near',
          members: [...members].reverse(),
          suggestedKeep: b,
        });
        expect(first.created).toBe(true);
        expect(again.group).toEqual(await dedup.getGroup(owner, first.group.groupId));
        expect(again).toMatchObject({
          created: false,
          group: { groupId: first.group.groupId, suggestedKeep: b },
        });

        const resolved = await dedup.resolveGroup(owner, first.group.groupId, 'reviewer', [
          { imageA: b, imageB: a, verdict: 'duplicate' },
        ]);
        expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'reviewer' });
        const afterSweep = await dedup.upsertGroup({
          ownerUserId: owner,
          kind: 'near',
          members,
          suggestedKeep: b,
        });
        expect(afterSweep).toMatchObject({ created: false, group: { status: 'resolved', suggestedKeep: b } });
        expect((await dedup.listGroups(owner, { kind: 'near', status: 'open' })).items).toHaveLength(0);

        expect(await dedup.decisionFor(owner, a, b)).toMatchObject({
          verdict: 'duplicate',
          userId: 'reviewer',
        });
        await dedup.recordDecision({
          ownerUserId: owner,
          userId: 'lead',
          imageA: a,
          imageB: b,
          verdict: 'not_duplicate',
        });
        await dedup.recordDecision({
          ownerUserId: owner,
          userId: 'lead',
          imageA: c,
          imageB: a,
          verdict: 'keep',
        });
        const among = await dedup.decisionsAmong(owner, [a, b, c]);
        expect(among).toHaveLength(2);
        expect(among.find((decision) => decision.verdict === 'not_duplicate')?.userId).toBe('lead');
        await expectCode(
          dedup.resolveGroup(owner, first.group.groupId, 'r', [
            { imageA: a, imageB: c, verdict: 'duplicate' },
          ]),
          ErrorCode.InvalidArgument,
        );
        await expectCode(
          dedup.upsertGroup({ ownerUserId: owner, kind: 'exact', members: [members[0]] }),
          ErrorCode.InvalidArgument,
        );
      });

      it('resolves nothing when one decision of a group is refused', async () => {
        const dedup = new DedupRepository(db);
        const [a, b] = [ulid(), ulid()];
        const { group } = await dedup.upsertGroup({
          ownerUserId: owner,
          kind: 'exact',
          members: [{ imageId: a }, { imageId: b }],
        });
        await expectCode(
          dedup.resolveGroup(owner, group.groupId, 'r', [
            { imageA: a, imageB: b, verdict: 'duplicate' },
            { imageA: a, imageB: a, verdict: 'duplicate' },
          ]),
          ErrorCode.InvalidArgument,
        );
        expect(await dedup.getGroup(owner, group.groupId)).toMatchObject({ status: 'open' });
        expect(await dedup.decisionFor(owner, a, b)).toBeNull();
      });

      it('reports the latest anomaly review per image and keeps an audit trail', async () => {
        const reviews = new AnomalyReviewRepository(db);
        const [a, b] = [ulid(), ulid()];
        await reviews.record({
          ownerUserId: owner,
          imageId: a,
          verdict: 'anomaly',
          userId: 'u1',
          method: 'ood',
          score: 0.93,
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
        await reviews.record({ ownerUserId: owner, imageId: a, verdict: 'ok', userId: 'u2' });
        await reviews.record({ ownerUserId: owner, imageId: b, verdict: 'duplicate', userId: 'u1' });
        const latest = await reviews.latestFor(owner, [a, b, ulid()]);
        expect(latest.get(a)).toMatchObject({ verdict: 'ok', userId: 'u2' });
        expect(latest.get(b)).toMatchObject({ verdict: 'duplicate' });
        expect(latest.size).toBe(2);
        expect((await reviews.list(owner, { imageId: a })).items).toHaveLength(2);

        const audit = new AuditLogRepository(db);
        await audit.record({
          ownerUserId: owner,
          userId: 'u1',
          action: 'image.delete',
          target: `image:${a}`,
        });
        await audit.record({
          ownerUserId: owner,
          userId: 'u1',
          action: 'dedup.resolve',
          details: { kept: a },
        });
        const entries = await audit.list(owner);
        expect(entries.items.map((entry) => entry.action)).toEqual(['dedup.resolve', 'image.delete']);
        expect(entries.items[0].details).toEqual({ kept: a });
        expect((await audit.list(owner, { action: 'image.delete' })).items).toHaveLength(1);
      });

      it('versions applied settings per tenant and scope, undoes them in turn, and audits each change', async () => {
        const settings = new TenantSettingsRepository(db);
        expect(await settings.current(owner, 'dedup')).toBeNull();
        await expectCode(settings.undo(owner, 'dedup', 'admin'), ErrorCode.Conflict);
        const first = await settings.apply(owner, 'dedup', 'admin', { phashMax: 9 }, { signals: 1 });
        const second = await settings.apply(owner, 'dedup', 'admin2', { phashMax: 9, cosineSimilar: 0.85 });
        await settings.apply(`${owner}-other`, 'dedup', 'admin', { phashMax: 2 });
        expect([first.version, second.version]).toEqual([1, 2]);
        expect(second).toMatchObject({ previous: { phashMax: 9 }, appliedBy: 'admin2', undoneAt: null });
        expect(await settings.current(owner, 'anomaly')).toBeNull();

        const undone = await settings.undo(owner, 'dedup', 'admin');
        expect(undone.undone).toMatchObject({ version: 2, undoneBy: 'admin' });
        expect(undone.current).toMatchObject({ version: 1, settings: { phashMax: 9 } });
        expect((await settings.undo(owner, 'dedup', 'admin')).current).toBeNull();
        await expectCode(settings.undo(owner, 'dedup', 'admin'), ErrorCode.Conflict);
        // A new version after undos continues the numbering; the history keeps every version.
        expect((await settings.apply(owner, 'dedup', 'admin', { phashMax: 7 })).version).toBe(3);
        const history = await settings.history(owner, 'dedup');
        expect(history.map((v) => [v.version, v.undoneAt !== null])).toEqual([
          [3, false],
          [2, true],
          [1, true],
        ]);
        expect((await settings.current(`${owner}-other`, 'dedup'))?.settings).toEqual({ phashMax: 2 });
        const audit = await new AuditLogRepository(db).list(owner);
        expect(audit.items.map((e) => e.action)).toEqual([
          'settings.dedup.apply',
          'settings.dedup.undo',
          'settings.dedup.undo',
          'settings.dedup.apply',
          'settings.dedup.apply',
        ]);
        expect(audit.items[1].details).toEqual({ from: { phashMax: 9 }, to: {} });
      });

      it('keeps the signals of decided pairs and reads them back with the decisions and reviewed scores', async () => {
        const dedup = new DedupRepository(db);
        const evidence = new CalibrationEvidenceRepository(db);
        const [a, b, c] = [ulid(), ulid(), ulid()].sort();
        await dedup.recordDecision({
          ownerUserId: owner,
          userId: 'u1',
          imageA: a,
          imageB: b,
          verdict: 'duplicate',
        });
        await dedup.recordDecision({
          ownerUserId: owner,
          userId: 'u1',
          imageA: a,
          imageB: c,
          verdict: 'not_duplicate',
        });
        await dedup.recordDecision({
          ownerUserId: owner,
          userId: 'u1',
          imageA: b,
          imageB: c,
          verdict: 'keep',
        });
        await evidence.saveSignals(owner, [
          { imageA: a, imageB: b, model: 'mobilenet', cosine: 0.93, hamming: 3, inliers: 40, verified: true },
        ]);
        await evidence.saveSignals(owner, [
          {
            imageA: a,
            imageB: b,
            model: 'mobilenet',
            cosine: 0.91,
            hamming: 4,
            inliers: null,
            verified: null,
          },
        ]);
        const decided = await evidence.decidedPairs(owner);
        expect(decided).toEqual([
          {
            imageA: a,
            imageB: b,
            verdict: 'duplicate',
            signals: {
              imageA: a,
              imageB: b,
              model: 'mobilenet',
              cosine: 0.91,
              hamming: 4,
              inliers: null,
              verified: null,
            },
          },
          { imageA: a, imageB: c, verdict: 'not_duplicate', signals: null },
        ]);
        expect(await evidence.decidedPairs(`${owner}-other`)).toEqual([]);

        const reviews = new AnomalyReviewRepository(db);
        await db.query(
          `INSERT INTO anomaly_scores (owner_user_id, image_id, dnn, density, ood, quality, combined)
           VALUES ($1, $2, 0.9, 0.8, 0.7, 0.1, 0.7), ($1, $3, 0.1, 0.2, 0.3, 0.1, 0.2)`,
          [owner, a, b],
        );
        await reviews.record({ ownerUserId: owner, imageId: a, verdict: 'ok', userId: 'u1' });
        await new Promise((resolve) => setTimeout(resolve, 5));
        await reviews.record({ ownerUserId: owner, imageId: a, verdict: 'anomaly', userId: 'u1' });
        await reviews.record({ ownerUserId: owner, imageId: b, verdict: 'duplicate', userId: 'u1' });
        await reviews.record({ ownerUserId: owner, imageId: c, verdict: 'ok', userId: 'u1' });
        expect(await evidence.reviewedScores(owner)).toEqual([
          { imageId: a, verdict: 'anomaly', dnn: 0.9, density: 0.8, ood: 0.7, quality: 0.1, combined: 0.7 },
        ]);
      });
    });
  });
}
