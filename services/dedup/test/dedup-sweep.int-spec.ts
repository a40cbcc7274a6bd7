import { loadConfig } from '@lookalike/config';
import { InProcessJobQueue, JobRunner } from '@lookalike/messaging';
import { JobRepository } from '@lookalike/persistence';
import { dedupEnvSchema } from '../src/dedup.config';
import { pairKey } from '../src/domain/dedup-image';
import { CalibrationStoreRepository } from '../src/repositories/calibration-store.repository';
import { DedupStoreRepository } from '../src/repositories/dedup-store.repository';
import { ImageIndexRepository } from '../src/repositories/image-index.repository';
import { IngestClientRepository } from '../src/repositories/ingest-client.repository';
import { DecisionSignalsService } from '../src/services/decision-signals.service';
import { DedupJobsService } from '../src/services/dedup-jobs.service';
import { DedupSettings } from '../src/services/dedup-settings';
import { DedupSweepService } from '../src/services/dedup-sweep.service';
import { DedupService } from '../src/services/dedup.service';
import { baseOf, loadNearCopies } from './support/near-copies-fixture';
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

const suites: ['pglite' | 'postgres', boolean][] = [
  ['pglite', true],
  ['postgres', postgresAnswers()],
];

jest.setTimeout(120_000);

describe.each(suites)('dedup over LanceDB and %s', (sql, available) => {
  const run = available ? it : it.skip;
  let stores: QualityStores;
  let service: DedupService;
  let sweep: DedupSweepService;
  let runner: JobRunner;
  let noIngest: { deleteImage: jest.Mock };
  const fileOf = new Map<string, string>();
  const idOf = new Map<string, string>();

  beforeAll(async () => {
    if (!available) return;
    const { images, model } = loadNearCopies();
    stores = await openQualityStores(sql, model.dim);
    await seedImages(
      stores,
      OWNER,
      images.map((im, i) => {
        const imageId = imageIdFor(i);
        fileOf.set(imageId, im.file);
        idOf.set(im.file, imageId);
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
    const config = loadConfig(dedupEnvSchema, { DEDUP_SCAN_CRON: 'off', DEDUP_UNDO_WINDOW_S: '3600' });
    const settings = new DedupSettings(config);
    const index = new ImageIndexRepository(stores.vectors);
    const store = new DedupStoreRepository(stores.dataSource);
    const jobRows = new JobRepository(stores.dataSource);
    // Not started: the tests drive it with sweep(), the runner's "claim and run what is due now".
    runner = new JobRunner(new InProcessJobQueue(), jobRows, { workerId: 'dedup-test' });
    sweep = new DedupSweepService(index, store, settings, verificationOff(config));
    noIngest = { deleteImage: jest.fn(async () => undefined) };
    const jobs = new DedupJobsService(
      runner,
      jobRows,
      sweep,
      store,
      noIngest as unknown as IngestClientRepository,
      settings,
    );
    jobs.onModuleInit();
    const features = verificationOff(config);
    const signals = new DecisionSignalsService(
      index,
      features,
      new CalibrationStoreRepository(stores.dataSource),
      settings,
    );
    service = new DedupService(index, store, jobs, settings, features, signals);
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await stores?.close();
  });

  const caller = { ownerUserId: OWNER, userId: 'reviewer-1' };

  async function allGroups(kind: string, status = 'open') {
    const out = [];
    let cursor = '';
    do {
      const page = await service.listGroups({ caller, kind, status, media: '', cursor, limit: 7 });
      out.push(...page.groups);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  run('stores near groups whose pairs are >= 97% true copies, with distances and a keep', async () => {
    const summary = await sweep.scan(OWNER, null);
    expect(summary.images).toBe(181);
    const near = await allGroups('near');
    expect(near.length).toBeGreaterThan(5);
    let pairs = 0;
    let right = 0;
    for (const g of near) {
      const files = g.members.map((m) => fileOf.get(m.imageId) as string);
      for (let i = 0; i < files.length; i += 1) {
        for (let j = i + 1; j < files.length; j += 1) {
          pairs += 1;
          if (baseOf(files[i]) === baseOf(files[j])) right += 1;
        }
      }
      expect(g.members.map((m) => m.imageId)).toContain(g.suggestedKeep);
      const keep = g.members.find((m) => m.imageId === g.suggestedKeep);
      expect(keep?.cosine).toBe(1);
      for (const m of g.members)
        if (m.imageId !== g.suggestedKeep) expect(m.hamming).toBeGreaterThanOrEqual(0);
    }
    expect(right / pairs).toBeGreaterThanOrEqual(0.97);
  });

  run('a re-run sweep adds no groups', async () => {
    const before = (await allGroups('near')).length + (await allGroups('similar')).length;
    const summary = await sweep.scan(OWNER, null);
    expect(summary.groupsCreated).toBe(0);
    expect(summary.staleDropped).toBe(0);
    expect((await allGroups('near')).length + (await allGroups('similar')).length).toBe(before);
  });

  run(
    'keeps decisions across sweeps: a not-duplicate pair never comes back, duplicates are tagged',
    async () => {
      const group = (await allGroups('near')).find((g) => g.members.length >= 3);
      expect(group).toBeDefined();
      if (!group) return;
      const [keep, dup, other] = [
        group.suggestedKeep,
        ...group.members.map((m) => m.imageId).filter((id) => id !== group.suggestedKeep),
      ];
      const resolved = await service.resolveGroup({
        caller,
        groupId: group.groupId,
        keep: [keep],
        duplicates: [dup],
        notDuplicate: [{ a: keep, b: other }],
      });
      expect(resolved.group?.status).toBe('resolved');
      const tags = (await stores.dataSource.query(`SELECT tags FROM images WHERE image_id = $1`, [dup])) as {
        tags: string[];
      }[];
      expect(tags[0].tags).toContain('duplicate');
      const [point] = (await stores.vectors.scroll(OWNER, { filter: { imageIds: [dup] }, limit: 1 })).points;
      expect(point.payload.tags).toContain('duplicate');
      const pending = await stores.dataSource.query(
        `SELECT state, payload FROM jobs WHERE kind = 'dedup-delete'`,
      );
      expect(pending).toHaveLength(1);
      expect(pending[0].state).toBe('queued');

      await sweep.scan(OWNER, null);
      for (const g of [
        ...(await allGroups('near')),
        ...(await allGroups('similar')),
        ...(await allGroups('exact')),
      ]) {
        const ids = new Set(g.members.map((m) => m.imageId));
        expect(ids.has(keep) && ids.has(other)).toBe(false);
      }
      expect((await allGroups('near', 'resolved')).map((g) => g.groupId)).toContain(group.groupId);

      // Undo: the same group resolved again with the duplicate kept.
      await service.resolveGroup({
        caller,
        groupId: group.groupId,
        keep: [keep, dup],
        duplicates: [],
        notDuplicate: [],
      });
      const after = (await stores.dataSource.query(`SELECT tags FROM images WHERE image_id = $1`, [dup])) as {
        tags: string[];
      }[];
      expect(after[0].tags).not.toContain('duplicate');
      const cancelled = await stores.dataSource.query(`SELECT state FROM jobs WHERE kind = 'dedup-delete'`);
      expect(cancelled[0].state).toBe('cancelled');
    },
  );

  run('deletes confirmed duplicates through ingest once the undo window has ended', async () => {
    const group = (await allGroups('near')).find((g) => g.members.length >= 2);
    if (!group) throw new Error('no open near group left');
    const dup = group.members.map((m) => m.imageId).find((id) => id !== group.suggestedKeep) as string;
    await service.resolveGroup({
      caller,
      groupId: group.groupId,
      keep: [group.suggestedKeep],
      duplicates: [dup],
      notDuplicate: [],
    });
    await runner.sweep();
    expect(noIngest.deleteImage).not.toHaveBeenCalled();
    await stores.dataSource.query(
      `UPDATE jobs SET run_after = now() - interval '1 second' WHERE kind = 'dedup-delete' AND state = 'queued'`,
    );
    await runner.sweep();
    expect(noIngest.deleteImage).toHaveBeenCalledWith(expect.objectContaining({ ownerUserId: OWNER }), dup);
    const [job] = await stores.dataSource.query(
      `SELECT state, result FROM jobs WHERE kind = 'dedup-delete' AND payload->>'groupId' = $1`,
      [group.groupId],
    );
    expect(job).toMatchObject({ state: 'succeeded', result: { deleted: 1 } });
  });

  run('checks a new image against the collection at ingest', async () => {
    const result = await service.checkImage({
      caller,
      imageId: idOf.get('horse__jpeg20.jpg') as string,
      waitMs: 0,
    });
    expect(result.kinds).toContain('near');
    expect(result.matches.map((m) => fileOf.get(m.imageId))).toContain('horse.jpg');
    expect(result.matches.every((m) => baseOf(fileOf.get(m.imageId) as string) === 'horse')).toBe(true);
    // Each match names its own tier (ingest reports it as the near-duplicate's kind), strongest first.
    expect(result.matches.find((m) => fileOf.get(m.imageId) === 'horse.jpg')?.kind).toBe('near');
    const order = ['exact', 'near', 'similar'];
    const ranks = result.matches.map((m) => order.indexOf(m.kind));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(result.matches.map((m) => m.kind))).toEqual(new Set(result.kinds));
  });

  run("answers not_found for another tenant's group and lists none of it", async () => {
    const [group] = await allGroups('near');
    const foreign = { ownerUserId: OTHER, userId: 'x' };
    await expect(
      service.resolveGroup({
        caller: foreign,
        groupId: group.groupId,
        keep: [],
        duplicates: [],
        notDuplicate: [],
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(
      (await service.listGroups({ caller: foreign, kind: '', status: '', media: '', cursor: '', limit: 10 }))
        .groups,
    ).toEqual([]);
    await expect(
      service.checkImage({ caller: foreign, imageId: group.suggestedKeep, waitMs: 0 }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  run('rejects a resolve naming an image outside the group', async () => {
    const [group] = await allGroups('similar');
    const outsider = [...idOf.values()].find((id) => !group.members.some((m) => m.imageId === id)) as string;
    await expect(
      service.resolveGroup({
        caller,
        groupId: group.groupId,
        keep: [outsider],
        duplicates: [],
        notDuplicate: [],
      }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(pairKey('a', 'b')).toBe('a:b');
  });
});
