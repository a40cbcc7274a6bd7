import type { DataSource } from 'typeorm';
import { LocalFeatureWorkers } from '@lookalike/local-features';
import type { ObjectStore } from '@lookalike/object-store';
import { LocalFeaturesRepository } from '../repositories/local-features.repository';
import type { DedupGroupEntity } from '@lookalike/persistence';
import { loadConfig } from '@lookalike/config';
import { dedupEnvSchema } from '../dedup.config';
import type { DedupStoreRepository } from '../repositories/dedup-store.repository';
import type { ImageIndexRepository, IndexedImage } from '../repositories/image-index.repository';
import type { DecisionSignalsService } from './decision-signals.service';
import type { DedupJobsService } from './dedup-jobs.service';
import { DedupSettings } from './dedup-settings';
import { DedupService } from './dedup.service';

const A = '01JAAAAAAAAAAAAAAAAAAAAAAA';
const B = '01JBBBBBBBBBBBBBBBBBBBBBBB';
const C = '01JCCCCCCCCCCCCCCCCCCCCCCC';
const caller = { ownerUserId: 'alice', userId: 'reviewer' };

function group(status: 'open' | 'resolved' = 'open'): DedupGroupEntity {
  return {
    groupId: '01JGGGGGGGGGGGGGGGGGGGGGGG',
    ownerUserId: 'alice',
    kind: 'near',
    media: 'image',
    members: [
      { imageId: A, hamming: 0, cosine: 1 },
      { imageId: B, hamming: 2, cosine: 0.93 },
      { imageId: C, hamming: 5, cosine: 0.88 },
    ],
    membersKey: [A, B, C].join(','),
    suggestedKeep: A,
    status,
    scanJobId: null,
    resolvedBy: null,
    resolvedAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
}

function image(id: string, tags: string[] = []): IndexedImage {
  return {
    pointId: `p-${id}`,
    imageId: id,
    sha256: id,
    phash: '',
    qualityScore: 0.8,
    width: 1,
    height: 1,
    format: 'jpeg',
    createdAt: '',
    tags,
    key: `owner/${id}.jpg`,
  };
}

describe('DedupService', () => {
  let index: jest.Mocked<ImageIndexRepository>;
  let store: jest.Mocked<DedupStoreRepository>;
  let jobs: {
    submitScan: jest.Mock;
    submitDelete: jest.Mock;
    cancelPendingDeletes: jest.Mock;
  };
  let signals: { capture: jest.Mock };
  let sut: DedupService;

  function build(env: Record<string, string> = {}): void {
    const settings = new DedupSettings(loadConfig(dedupEnvSchema, { DEDUP_UNDO_WINDOW_S: '3600', ...env }));
    sut = new DedupService(
      index,
      store,
      jobs as unknown as DedupJobsService,
      settings,
      new LocalFeaturesRepository(
        settings.config,
        {} as ObjectStore,
        {} as DataSource,
        new LocalFeatureWorkers({ LOCAL_FEATURES: false, LOCAL_FEATURES_THREADS: 1 }),
      ),
      signals as unknown as DecisionSignalsService,
    );
  }

  beforeEach(() => {
    index = {
      findImage: jest.fn(async (_owner: string, id: string) => ({
        image: image(id, id === B ? ['x'] : ['duplicate']),
      })),
      setTags: jest.fn(async () => undefined),
    } as unknown as jest.Mocked<ImageIndexRepository>;
    store = {
      getGroup: jest.fn(async () => group()),
      resolveGroup: jest.fn(async () => group('resolved')),
      setTag: jest.fn(async () => undefined),
      listGroups: jest.fn(async () => ({ items: [group()], nextCursor: 'next' })),
      recordDecision: jest.fn(async () => undefined),
    } as unknown as jest.Mocked<DedupStoreRepository>;
    jobs = {
      submitScan: jest.fn(async () => ({ jobId: '01JJOB' })),
      submitDelete: jest.fn(async () => ({ jobId: '01JDEL' })),
      cancelPendingDeletes: jest.fn(async () => undefined),
    };
    signals = { capture: jest.fn(async () => 2) };
    build();
  });

  it('stores duplicate pairs against every keep and the not-duplicate pairs, then tags and schedules the delete', async () => {
    const before = Date.now();
    const res = await sut.resolveGroup({
      caller,
      groupId: group().groupId,
      keep: [A],
      duplicates: [B],
      notDuplicate: [{ a: A, b: C }],
    });
    expect(res.group?.status).toBe('resolved');
    expect(store.resolveGroup).toHaveBeenCalledWith('alice', group().groupId, 'reviewer', [
      { imageA: A, imageB: B, verdict: 'duplicate' },
      { imageA: A, imageB: C, verdict: 'not_duplicate' },
    ]);
    expect(index.setTags).toHaveBeenCalledWith('alice', expect.objectContaining({ imageId: B }), [
      'x',
      'duplicate',
    ]);
    expect(index.setTags).toHaveBeenCalledWith('alice', expect.objectContaining({ imageId: A }), []);
    expect(store.setTag).toHaveBeenCalledWith('alice', [B], 'duplicate', true);
    expect(jobs.cancelPendingDeletes).toHaveBeenCalledWith('alice', group().groupId);
    const [, payload, runAfter] = jobs.submitDelete.mock.calls[0] as [string, { imageIds: string[] }, Date];
    expect(payload.imageIds).toEqual([B]);
    expect(runAfter.getTime() - before).toBeGreaterThanOrEqual(3_599_000);
  });

  it("captures the decided pairs' signals once the decisions are stored", async () => {
    await sut.resolveGroup({
      caller,
      groupId: group().groupId,
      keep: [A],
      duplicates: [B],
      notDuplicate: [{ a: C, b: A }],
    });
    expect(signals.capture).toHaveBeenCalledWith('alice', [
      [A, B],
      [C, A],
    ]);
    expect(store.resolveGroup.mock.invocationCallOrder[0]).toBeLessThan(
      signals.capture.mock.invocationCallOrder[0],
    );
  });

  it('captures nothing for a group resolved with keeps only or for a video group', async () => {
    await sut.resolveGroup({ caller, groupId: group().groupId, keep: [A], duplicates: [], notDuplicate: [] });
    store.getGroup.mockResolvedValueOnce({ ...group(), media: 'video' });
    await sut.resolveGroup({
      caller,
      groupId: group().groupId,
      keep: [A],
      duplicates: [B],
      notDuplicate: [],
    });
    expect(signals.capture).not.toHaveBeenCalled();
  });

  it('captures the signals of a pair decision recorded from feedback', async () => {
    await sut.recordDecision({ caller, imageA: B, imageB: A, verdict: 'duplicate' });
    expect(store.recordDecision).toHaveBeenCalled();
    expect(signals.capture).toHaveBeenCalledWith('alice', [[B, A]]);
  });

  it('never deletes when the undo window is 0', async () => {
    build({ DEDUP_UNDO_WINDOW_S: '0' });
    await sut.resolveGroup({
      caller,
      groupId: group().groupId,
      keep: [A],
      duplicates: [B],
      notDuplicate: [],
    });
    expect(jobs.submitDelete).not.toHaveBeenCalled();
  });

  it('rejects images outside the group, an image both kept and duplicate, and duplicates without a keep', async () => {
    const id = group().groupId;
    const outsider = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
    await expect(
      sut.resolveGroup({ caller, groupId: id, keep: [outsider], duplicates: [], notDuplicate: [] }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(
      sut.resolveGroup({ caller, groupId: id, keep: [A], duplicates: [A], notDuplicate: [] }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(
      sut.resolveGroup({ caller, groupId: id, keep: [], duplicates: [B], notDuplicate: [] }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(store.resolveGroup).not.toHaveBeenCalled();
  });

  it('answers not_found for a group the tenant does not hold', async () => {
    store.getGroup.mockResolvedValueOnce(null);
    await expect(
      sut.resolveGroup({ caller, groupId: 'x', keep: [], duplicates: [], notDuplicate: [] }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('maps stored groups to the contract and passes the cursor on', async () => {
    const res = await sut.listGroups({
      caller,
      kind: 'near',
      status: 'open',
      media: '',
      cursor: '',
      limit: 10,
    });
    expect(store.listGroups).toHaveBeenCalledWith('alice', {
      kind: 'near',
      status: 'open',
      media: undefined,
      cursor: undefined,
      limit: 10,
    });
    expect(res.nextCursor).toBe('next');
    expect(res.groups[0]).toMatchObject({
      kind: 'near',
      suggestedKeep: A,
      members: [expect.objectContaining({ imageId: A, cosine: 1 }), expect.anything(), expect.anything()],
    });
    await expect(
      sut.listGroups({ caller, kind: 'fuzzy', status: '', media: '', cursor: '', limit: 1 }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(
      sut.listGroups({ caller, kind: '', status: '', media: 'audio', cursor: '', limit: 1 }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('submits a scan job for the caller', async () => {
    expect(await sut.startScan({ caller })).toEqual({ jobId: '01JJOB' });
    expect(jobs.submitScan).toHaveBeenCalledWith('alice');
  });

  it('records a pair verdict from feedback only between two images of the tenant', async () => {
    await sut.recordDecision({ caller, imageA: A, imageB: B, verdict: 'duplicate' });
    expect(store.recordDecision).toHaveBeenCalledWith('alice', 'reviewer', {
      imageA: A,
      imageB: B,
      verdict: 'duplicate',
    });
    index.findImage.mockResolvedValueOnce(null);
    await expect(
      sut.recordDecision({ caller, imageA: C, imageB: B, verdict: 'duplicate' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      sut.recordDecision({ caller, imageA: A, imageB: A, verdict: 'duplicate' }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('requires the caller', async () => {
    await expect(sut.startScan({ caller: undefined })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
