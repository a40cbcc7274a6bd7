import { loadConfig } from '@lookalike/config';
import { ErrorCode } from '@lookalike/contracts';
import { InProcessJobQueue, JobRunner } from '@lookalike/messaging';
import { JobRepository } from '@lookalike/persistence';
import { dedupEnvSchema } from '../src/dedup.config';
import { closestHash } from '../src/domain/phash-variants';
import { CalibrationStoreRepository } from '../src/repositories/calibration-store.repository';
import { DedupStoreRepository } from '../src/repositories/dedup-store.repository';
import { ImageIndexRepository } from '../src/repositories/image-index.repository';
import { IngestClientRepository } from '../src/repositories/ingest-client.repository';
import { DecisionSignalsService } from '../src/services/decision-signals.service';
import { DedupCalibrationService } from '../src/services/dedup-calibration.service';
import { DedupJobsService } from '../src/services/dedup-jobs.service';
import { DedupSettings } from '../src/services/dedup-settings';
import { DedupSweepService } from '../src/services/dedup-sweep.service';
import { DedupService } from '../src/services/dedup.service';
import { loadNearCopies, type NearCopyImage } from './support/near-copies-fixture';
import {
  imageIdFor,
  openQualityStores,
  postgresAnswers,
  seedImages,
  verificationOff,
  type QualityStores,
} from './support/quality-stores';

const OWNER = 'tenant-a';
const OTHER = 'tenant-b';
/** The simulated reviewers' policy: re-encodes are duplicates, edits are works of their own. */
const EDITS = new Set(['crop80', 'rot90', 'hflip', 'border', 'watermark', 'tiny']);

const suites: ['pglite' | 'postgres', boolean][] = [
  ['pglite', true],
  ['postgres', postgresAnswers()],
];

jest.setTimeout(120_000);

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i] * b[i];
  return s;
}

describe.each(suites)('thresholds that learn in dedup over LanceDB and %s', (sql, available) => {
  const run = available ? it : it.skip;
  let stores: QualityStores;
  let service: DedupService;
  let sweep: DedupSweepService;
  let calibration: DedupCalibrationService;
  let settings: DedupSettings;
  let runner: JobRunner;
  const fixtureOf = new Map<string, NearCopyImage>();
  const caller = { ownerUserId: OWNER, userId: 'reviewer-1' };
  const admin = { ownerUserId: OWNER, userId: 'admin-1' };

  beforeAll(async () => {
    if (!available) return;
    const { images, model } = loadNearCopies();
    stores = await openQualityStores(sql, model.dim);
    await seedImages(
      stores,
      OWNER,
      images.map((im, i) => {
        const imageId = imageIdFor(i);
        fixtureOf.set(imageId, im);
        return {
          imageId,
          sha256: im.sha256,
          phash: im.phash,
          width: im.width,
          height: im.height,
          format: im.format,
          qualityScore: im.qualityScore,
          createdAt: new Date(Date.UTC(2025, 0, im.transform === 'none' ? 1 : 2, 0, 0, i)).toISOString(),
          vector: im.vector,
        };
      }),
    );
    const config = loadConfig(dedupEnvSchema, {
      DEDUP_SCAN_CRON: 'off',
      DEDUP_UNDO_WINDOW_S: '3600',
      // Longer than the test: only apply and undo can make the sweep see another version.
      DEDUP_SETTINGS_CACHE_S: '3600',
    });
    const calibrationStore = new CalibrationStoreRepository(stores.dataSource);
    settings = new DedupSettings(config, calibrationStore);
    const index = new ImageIndexRepository(stores.vectors);
    const store = new DedupStoreRepository(stores.dataSource);
    const jobRows = new JobRepository(stores.dataSource);
    runner = new JobRunner(new InProcessJobQueue(), jobRows, { workerId: 'dedup-calibration-test' });
    const features = verificationOff(config);
    sweep = new DedupSweepService(index, store, settings, features);
    const ingest = { deleteImage: jest.fn(async () => undefined) } as unknown as IngestClientRepository;
    const jobs = new DedupJobsService(runner, jobRows, sweep, store, ingest, settings);
    jobs.onModuleInit();
    const signals = new DecisionSignalsService(index, features, calibrationStore, settings);
    service = new DedupService(index, store, jobs, settings, features, signals);
    calibration = new DedupCalibrationService(index, calibrationStore, signals, settings);
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await stores?.close();
  });

  async function openGroups() {
    const out = [];
    for (const kind of ['exact', 'near', 'similar']) {
      let cursor = '';
      do {
        const page = await service.listGroups({ caller, kind, status: 'open', media: '', cursor, limit: 50 });
        out.push(...page.groups);
        cursor = page.nextCursor;
      } while (cursor);
    }
    return out;
  }

  async function signalRows(owner = OWNER) {
    return (await stores.dataSource.query(
      `SELECT image_a, image_b, model, cosine, hamming, inliers, verified FROM decision_signals WHERE owner_user_id = $1`,
      [owner],
    )) as { image_a: string; image_b: string; model: string; cosine: number; hamming: number }[];
  }

  run(
    "captures each decided pair's cosine and variant-aware Hamming distance when a group is resolved",
    async () => {
      expect((await sweep.scan(OWNER, null)).settingsVersion).toBeNull();
      // An original can sit in groups of several tiers: its pairs are decided once each.
      const decided = new Set<string>();
      for (const g of await openGroups()) {
        const original = g.members.find((m) => fixtureOf.get(m.imageId)?.transform === 'none');
        if (!original) continue;
        const others = g.members.filter(
          (m) =>
            m.imageId !== original.imageId &&
            fixtureOf.get(m.imageId)!.base === fixtureOf.get(original.imageId)!.base,
        );
        const edits = others.filter((m) => EDITS.has(fixtureOf.get(m.imageId)!.transform));
        const copies = others.filter((m) => !EDITS.has(fixtureOf.get(m.imageId)!.transform));
        await service.resolveGroup({
          caller,
          groupId: g.groupId,
          keep: [original.imageId],
          duplicates: copies.map((m) => m.imageId),
          notDuplicate: edits.map((m) => ({ a: original.imageId, b: m.imageId })),
        });
        for (const m of others) decided.add([original.imageId, m.imageId].sort().join(':'));
      }
      const rows = await signalRows();
      expect(rows.length).toBe(decided.size);
      expect(decided.size).toBeGreaterThanOrEqual(40);
      for (const r of rows) {
        const a = fixtureOf.get(r.image_a.trim())!;
        const b = fixtureOf.get(r.image_b.trim())!;
        expect(r.model).toBe('mobilenet');
        expect(Number(r.cosine)).toBeCloseTo(dot(a.vector, b.vector), 4);
        expect(r.hamming).toBe(closestHash(a.phash, b.phash, true).hamming);
      }
      // A flip is compared with its original's mirrored hash too: closer than the plain hashes.
      const flips = rows.filter((r) =>
        [r.image_a, r.image_b].some((id) => fixtureOf.get(id.trim())!.transform === 'hflip'),
      );
      expect(flips.length).toBeGreaterThan(0);
      const plain = (r: (typeof rows)[number]) =>
        closestHash(fixtureOf.get(r.image_a.trim())!.phash, fixtureOf.get(r.image_b.trim())!.phash, false)
          .hamming;
      expect(flips.some((r) => r.hamming < plain(r))).toBe(true);
    },
  );

  run('captures a pair decision from feedback, and backfills decisions stored without signals', async () => {
    const [a, b] = [imageIdFor(0), imageIdFor(1)];
    await service.recordDecision({ caller, imageA: b, imageB: a, verdict: 'not_duplicate' });
    expect((await signalRows()).some((r) => r.image_a.trim() === a && r.image_b.trim() === b)).toBe(true);
    // Decided before capture existed: the report measures it while both images are indexed.
    const [c, d] = [imageIdFor(2), imageIdFor(3)];
    await new DedupStoreRepository(stores.dataSource).recordDecision(OWNER, 'reviewer-1', {
      imageA: c,
      imageB: d,
      verdict: 'not_duplicate',
    });
    const report = await calibration.report({ caller });
    expect(report.backfilled).toBe(1);
    expect(report.withSignals).toBe(report.decisions);
    expect((await calibration.report({ caller })).backfilled).toBe(0);
    expect(await signalRows(OTHER)).toEqual([]);
  });

  run(
    'suggests thresholds from the decisions, and the sweep judges with an applied version until it is undone',
    async () => {
      const report = await calibration.report({ caller });
      const phash = report.signals.find((s) => s.signal === 'phash')!;
      expect(phash).toMatchObject({ current: 6, source: 'default' });
      expect(phash.duplicates).toBeGreaterThanOrEqual(10);
      expect(phash.notDuplicates).toBeGreaterThanOrEqual(10);
      const moving = report.signals.filter((s) => s.suggested && s.suggested.threshold !== s.current);
      expect(moving.length).toBeGreaterThan(0);
      for (const s of moving) expect(s.suggested!.mcc).toBeGreaterThan(s.atCurrent!.mcc);

      const { version } = await calibration.apply({ caller: admin, signals: [moving[0].signal], values: {} });
      expect(version).toMatchObject({ version: 1, appliedBy: 'admin-1' });
      expect(version!.settings).toEqual({ [moving[0].setting]: moving[0].suggested!.threshold });
      const after = (await calibration.report({ caller })).signals.find(
        (s) => s.signal === moving[0].signal,
      )!;
      expect(after).toMatchObject({ current: moving[0].suggested!.threshold, source: 'applied' });

      await calibration.apply({ caller: admin, signals: [], values: { phashMax: 3, minInliers: 9 } });
      const summary = await sweep.scan(OWNER, null);
      expect(summary.settingsVersion).toBe(2);
      expect(summary.thresholds).toMatchObject({ phashMax: 3, minInliers: 9 });
      // A process that did not apply reads the version once its cache has expired.
      const elsewhere = new DedupSettings(
        loadConfig(dedupEnvSchema, { DEDUP_SETTINGS_CACHE_S: '0' }),
        new CalibrationStoreRepository(stores.dataSource),
      );
      expect((await elsewhere.resolve('mobilenet', OWNER)).version).toBe(2);
      expect((await elsewhere.resolve('mobilenet', OTHER)).version).toBeNull();

      const undone = await calibration.undo({ caller: admin });
      expect(undone.undone).toMatchObject({ version: 2, undoneBy: 'admin-1' });
      expect(undone.current).toMatchObject({ version: 1 });
      expect((await sweep.scan(OWNER, null)).settingsVersion).toBe(1);
      await calibration.undo({ caller: admin });
      const back = await sweep.scan(OWNER, null);
      expect(back.settingsVersion).toBeNull();
      expect(back.thresholds).toMatchObject({ phashMax: 6, minInliers: 6 });
      await expect(calibration.undo({ caller: admin })).rejects.toMatchObject({ code: ErrorCode.Conflict });
      const history = (await calibration.report({ caller })).history;
      expect(history.map((v) => [v.version, v.undoneBy])).toEqual([
        [2, 'admin-1'],
        [1, 'admin-1'],
      ]);
      const audit = (await stores.dataSource.query(
        `SELECT action FROM audit_log WHERE owner_user_id = $1 AND action LIKE 'settings.%' ORDER BY created_at`,
        [OWNER],
      )) as { action: string }[];
      expect(audit.map((r) => r.action)).toEqual([
        'settings.dedup.apply',
        'settings.dedup.apply',
        'settings.dedup.undo',
        'settings.dedup.undo',
      ]);
    },
  );
});
