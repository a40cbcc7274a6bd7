import { loadConfig } from '@lookalike/config';
import { ErrorCode } from '@lookalike/contracts';
import type { ReviewedScore, SettingsVersion } from '@lookalike/persistence';
import { anomalyEnvSchema } from '../anomaly.config';
import type { CalibrationStoreRepository } from '../repositories/calibration-store.repository';
import { AnomalyWeightsService } from './anomaly-weights.service';

const caller = { ownerUserId: 'alice', userId: 'admin-1' };

/** Anomalies stand out by density only: the fit should move weight onto it. */
function reviews(n: number): ReviewedScore[] {
  return Array.from({ length: 2 * n }, (_, i) => ({
    imageId: `img-${i}`,
    verdict: i < n ? 'anomaly' : 'ok',
    dnn: ((i * 7) % 10) / 10,
    density: i < n ? 0.9 : 0.1,
    ood: ((i * 3) % 10) / 10,
    quality: 0.5,
    combined: 0,
  }));
}

describe('AnomalyWeightsService', () => {
  let stored: SettingsVersion<object> | null;
  let reviewed: ReviewedScore[];
  let calibration: jest.Mocked<CalibrationStoreRepository>;
  let runner: { submit: jest.Mock };
  let sut: AnomalyWeightsService;

  beforeEach(() => {
    stored = null;
    reviewed = reviews(12);
    calibration = {
      current: jest.fn(async () => stored),
      history: jest.fn(async () => (stored ? [stored] : [])),
      reviewedScores: jest.fn(async () => reviewed),
      apply: jest.fn(async (_o: string, user: string, settings: object) => {
        stored = {
          version: 1,
          settings,
          previous: {},
          evidence: {},
          appliedBy: user,
          appliedAt: new Date(),
          undoneBy: null,
          undoneAt: null,
        };
        return stored;
      }),
      undo: jest.fn(),
    } as unknown as jest.Mocked<CalibrationStoreRepository>;
    runner = { submit: jest.fn(async () => ({ jobId: '01JRECOMPUTE' })) };
    sut = new AnomalyWeightsService(
      calibration,
      runner,
      loadConfig(anomalyEnvSchema, { ANOMALY_SETTINGS_CACHE_S: '0' }),
    );
  });

  it('suggests weights that rank the reviewed anomalies first, applies them, and recomputes the scores', async () => {
    const report = await sut.report({ caller });
    expect(report).toMatchObject({ source: 'default', anomalies: 12, ok: 12, minEach: 10 });
    expect(report.suggested!.auc).toBe(1);
    expect(report.suggested!.weights.density).toBeGreaterThan(0);
    const applied = await sut.apply({ caller, weights: {} });
    expect(applied.recomputeJobId).toBe('01JRECOMPUTE');
    expect(runner.submit).toHaveBeenCalledWith({
      ownerUserId: 'alice',
      kind: 'anomaly-recompute',
      maxAttempts: 3,
    });
    expect(await sut.weightsFor('alice')).toEqual(report.suggested!.weights);
    expect((await sut.report({ caller })).source).toBe('applied');
  });

  it('refuses to suggest without enough reviews, and checks explicit weights', async () => {
    reviewed = reviews(4);
    await expect(sut.apply({ caller, weights: {} })).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
      details: { reason: 'not_enough_decisions' },
    });
    await expect(sut.apply({ caller, weights: { dnn: -1 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(sut.apply({ caller, weights: { hue: 1 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await expect(sut.apply({ caller, weights: { dnn: 0 } })).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
    });
    await sut.apply({ caller, weights: { density: 1 } });
    expect(calibration.apply.mock.calls[0][2]).toEqual({ dnn: 0, density: 1, ood: 0, quality: 0 });
    expect(runner.submit).toHaveBeenCalledTimes(1);
  });

  it('undoes and recomputes; nothing to undo is a conflict and starts nothing', async () => {
    calibration.undo.mockRejectedValueOnce(Object.assign(new Error('nothing'), { code: ErrorCode.Conflict }));
    await expect(sut.undo({ caller })).rejects.toMatchObject({ code: ErrorCode.Conflict });
    expect(runner.submit).not.toHaveBeenCalled();
    calibration.undo.mockResolvedValueOnce({
      undone: {
        version: 1,
        settings: { dnn: 1 },
        previous: {},
        evidence: {},
        appliedBy: 'a',
        appliedAt: new Date(),
        undoneBy: 'a',
        undoneAt: new Date(),
      },
      current: null,
    } as never);
    const r = await sut.undo({ caller });
    expect(r).toMatchObject({ undone: { version: 1, undoneBy: 'a' }, recomputeJobId: '01JRECOMPUTE' });
    expect(r.current).toBeUndefined();
    expect(await sut.weightsFor('alice')).toEqual({ dnn: 0.3, density: 0.3, ood: 0.25, quality: 0.15 });
  });
});
