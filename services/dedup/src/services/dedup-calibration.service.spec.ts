import { loadConfig } from '@lookalike/config';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import type { DecidedPair, SettingsVersion } from '@lookalike/persistence';
import { dedupEnvSchema } from '../dedup.config';
import type { CalibrationStoreRepository } from '../repositories/calibration-store.repository';
import type { ImageIndexRepository } from '../repositories/image-index.repository';
import type { DecisionSignalsService } from './decision-signals.service';
import { DedupCalibrationService } from './dedup-calibration.service';
import { DedupSettings } from './dedup-settings';

const caller = { ownerUserId: 'alice', userId: 'admin-1' };

/** Duplicates within `dupMax` bits, not-duplicates from 20 bits; cosines agree; never verified. */
function decisions(duplicates: number, notDuplicates: number, dupMax = 10): DecidedPair[] {
  const pair = (i: number, verdict: DecidedPair['verdict'], hamming: number, cosine: number): DecidedPair => {
    const imageA = `A${String(i).padStart(25, '0')}`;
    const imageB = `B${String(i).padStart(25, '0')}`;
    return {
      imageA,
      imageB,
      verdict,
      signals: { imageA, imageB, model: 'mobilenet', cosine, hamming, inliers: null, verified: null },
    };
  };
  return [
    ...Array.from({ length: duplicates }, (_, i) => pair(i, 'duplicate', i % (dupMax + 1), 0.95)),
    ...Array.from({ length: notDuplicates }, (_, i) => pair(100 + i, 'not_duplicate', 20 + (i % 10), 0.5)),
  ];
}

function version(n: number, settings: object): SettingsVersion<object> {
  return {
    version: n,
    settings,
    previous: {},
    evidence: {},
    appliedBy: 'admin-1',
    appliedAt: new Date('2026-01-01T00:00:00Z'),
    undoneBy: null,
    undoneAt: null,
  };
}

describe('DedupCalibrationService', () => {
  let decided: DecidedPair[];
  let current: SettingsVersion<object> | null;
  let calibration: jest.Mocked<CalibrationStoreRepository>;
  let signals: { backfill: jest.Mock };
  let settings: DedupSettings;
  let sut: DedupCalibrationService;

  beforeEach(() => {
    decided = decisions(15, 15);
    current = null;
    calibration = {
      decidedPairs: jest.fn(async () => decided),
      history: jest.fn(async () => (current ? [current] : [])),
      current: jest.fn(async () => current),
      applied: jest.fn(async () => current as never),
      apply: jest.fn(async (_o: string, _u: string, s: object) => version(2, s)),
      undo: jest.fn(),
    } as unknown as jest.Mocked<CalibrationStoreRepository>;
    signals = { backfill: jest.fn(async () => 0) };
    settings = new DedupSettings(loadConfig(dedupEnvSchema, {}), calibration);
    jest.spyOn(settings, 'invalidate');
    const index = { activeModel: jest.fn(async () => 'mobilenet') } as unknown as ImageIndexRepository;
    sut = new DedupCalibrationService(
      index,
      calibration,
      signals as unknown as DecisionSignalsService,
      settings,
    );
  });

  it('reports each signal with its value in force, its source, the agreement now and the suggestion', async () => {
    const r = await sut.report({ caller });
    const phash = r.signals.find((s) => s.signal === 'phash')!;
    expect(phash).toMatchObject({ setting: 'phashMax', current: 6, source: 'default', duplicates: 15 });
    expect(phash.atCurrent).toMatchObject({ threshold: 6, fn: 4, tn: 15 });
    expect(phash.suggested!.threshold).toBeGreaterThanOrEqual(10);
    expect(phash.suggested!.threshold).toBeLessThan(20);
    expect(phash.suggested!.mcc).toBe(1);
    const inliers = r.signals.find((s) => s.signal === 'inliers')!;
    expect(inliers).toMatchObject({ reason: 'not_enough_decisions', duplicates: 0 });
    expect(inliers.suggested).toBeUndefined();
    expect(r).toMatchObject({ decisions: 30, withSignals: 30, minEach: 10, history: [] });
    expect(r.applied).toBeUndefined();
  });

  it('applies the suggestions that differ from the values in force, keeping what an earlier version applied', async () => {
    current = version(1, { minInliers: 8 });
    const { version: v } = await sut.apply({ caller, signals: [], values: {} });
    const [owner, user, applied, evidence] = calibration.apply.mock.calls[0];
    expect([owner, user]).toEqual(['alice', 'admin-1']);
    expect(applied).toMatchObject({ minInliers: 8, phashMax: expect.any(Number) });
    expect(applied.phashMax).toBeGreaterThanOrEqual(10);
    expect(Object.keys(evidence.signals as object)).toContain('phash');
    expect(v?.settings).toEqual(applied);
    expect(settings.invalidate).toHaveBeenCalledWith('alice');
  });

  it('answers unprocessable not_enough_decisions for a named signal without evidence, and when none has any', async () => {
    await expect(sut.apply({ caller, signals: ['inliers'], values: {} })).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { reason: 'not_enough_decisions', signals: ['inliers'] },
    });
    decided = decisions(15, 3);
    await expect(sut.apply({ caller, signals: [], values: {} })).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { reason: 'not_enough_decisions' },
    });
    expect(calibration.apply).not.toHaveBeenCalled();
  });

  it('answers unprocessable nothing_to_apply when the suggestions equal the values in force', async () => {
    decided = decisions(15, 15, 6);
    await expect(sut.apply({ caller, signals: ['phash'], values: {} })).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { reason: 'nothing_to_apply' },
    });
  });

  it('applies explicit values after the usual checks, and refuses unknown settings and mixed requests', async () => {
    await sut.apply({ caller, signals: [], values: { phashMax: 9, cosineSimilar: 0.85 } });
    expect(calibration.apply.mock.calls[0][2]).toEqual({ phashMax: 9, cosineSimilar: 0.85 });
    await expect(sut.apply({ caller, signals: [], values: { phashMax: 99 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(sut.apply({ caller, signals: [], values: { minInliers: 2 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(sut.apply({ caller, signals: [], values: { hashVariants: 0 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(sut.apply({ caller, signals: ['phash'], values: { phashMax: 9 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(sut.apply({ caller, signals: ['hue'], values: {} })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    expect(calibration.apply).toHaveBeenCalledTimes(1);
  });

  it('undoes through the store and forgets the cached version, also when there was nothing to undo', async () => {
    calibration.undo.mockResolvedValueOnce({
      undone: { ...version(2, { phashMax: 12 }), undoneBy: 'admin-1', undoneAt: new Date() },
      current: version(1, { minInliers: 8 }),
    } as never);
    const r = await sut.undo({ caller });
    expect(r.undone).toMatchObject({ version: 2, undoneBy: 'admin-1' });
    expect(r.current).toMatchObject({ version: 1, settings: { minInliers: 8 } });
    calibration.undo.mockRejectedValueOnce(new LookalikeError(ErrorCode.Conflict, 'nothing to undo'));
    await expect(sut.undo({ caller })).rejects.toMatchObject({ code: ErrorCode.Conflict });
    expect(settings.invalidate).toHaveBeenCalledTimes(2);
  });

  it('measures older decisions first and fits on what that captured', async () => {
    signals.backfill.mockResolvedValueOnce(4);
    const r = await sut.report({ caller });
    expect(r.backfilled).toBe(4);
    expect(calibration.decidedPairs).toHaveBeenCalledTimes(2);
  });
});
