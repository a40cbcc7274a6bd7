import { ErrorCode, LookalikeError, type ImageCheckResponse } from '@lookalike/contracts';
import { ingestEnvSchema } from '../ingest.config';
import type { QualityLoopRepository } from '../repositories/quality-loop.repository';
import { busyRetryMs, QualityLoopService } from './quality-loop.service';

const OWNER = 'alice';
const ID = '01J00000000000000000000001';

function busy(retryAfterMs: number): LookalikeError {
  return new LookalikeError(ErrorCode.Busy, 'the duplicate check queue is full', {
    retryAfterSeconds: 1,
    details: { retry_after_ms: retryAfterMs },
  });
}

const answer: ImageCheckResponse = {
  kinds: ['near'],
  matches: [
    { imageId: '01J0000000000000000000000N', kind: 'near', hamming: 2, cosine: 0.9, qualityScore: 0 },
  ],
};

describe('QualityLoopService', () => {
  let loop: { checkDuplicates: jest.Mock; scoreAnomaly: jest.Mock };
  let sut: QualityLoopService;

  function build(env: Record<string, string> = {}): void {
    const config = ingestEnvSchema.parse({
      INGEST_DUPLICATE_CHECK_TIMEOUT_MS: '1000',
      INGEST_DUPLICATE_CHECK_MAX_WAIT_MS: '2000',
      ...env,
    });
    sut = new QualityLoopService(config, loop as unknown as QualityLoopRepository);
  }

  beforeEach(() => {
    loop = { checkDuplicates: jest.fn(), scoreAnomaly: jest.fn().mockResolvedValue(undefined) };
    build();
  });

  it('waits out a busy dedup service and reports its answer instead of unavailable', async () => {
    loop.checkDuplicates
      .mockRejectedValueOnce(busy(60))
      .mockRejectedValueOnce(busy(60))
      .mockResolvedValue(answer);
    const report = await sut.duplicateReport(OWNER, ID);
    expect(report).toEqual({
      duplicateCheck: 'ok',
      nearDuplicates: [{ imageId: answer.matches[0].imageId, kind: 'near', hamming: 2, cosine: 0.9 }],
    });
    expect(loop.checkDuplicates).toHaveBeenCalledTimes(3);
    expect(loop.checkDuplicates).toHaveBeenCalledWith(OWNER, ID, 1000);
  });

  it('holds off new ingests for the hinted time while the dedup service is busy', async () => {
    loop.checkDuplicates.mockRejectedValueOnce(busy(300)).mockResolvedValue(answer);
    const report = sut.duplicateReport(OWNER, ID);
    await new Promise((resolve) => setImmediate(resolve));
    let refused: unknown;
    try {
      sut.assertAccepting(OWNER);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      code: ErrorCode.Busy,
      retryAfterSeconds: 1,
      details: { reason: 'dedup_busy' },
    });
    await report;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(() => sut.assertAccepting(OWNER)).not.toThrow();
  });

  it('answers unavailable at once when the dedup service fails or is not running', async () => {
    loop.checkDuplicates.mockRejectedValue(new LookalikeError(ErrorCode.Unavailable, 'no responders'));
    await expect(sut.duplicateReport(OWNER, ID)).resolves.toEqual({
      nearDuplicates: [],
      duplicateCheck: 'unavailable',
    });
    expect(loop.checkDuplicates).toHaveBeenCalledTimes(1);
    expect(() => sut.assertAccepting(OWNER)).not.toThrow();
  });

  it('gives up on a dedup service that stays busy past INGEST_DUPLICATE_CHECK_MAX_WAIT_MS', async () => {
    build({ INGEST_DUPLICATE_CHECK_MAX_WAIT_MS: '200' });
    loop.checkDuplicates.mockRejectedValue(busy(80));
    const started = Date.now();
    await expect(sut.duplicateReport(OWNER, ID)).resolves.toMatchObject({ duplicateCheck: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(loop.checkDuplicates.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('sends a refused anomaly notification again after its hint and holds off new ingests meanwhile', async () => {
    loop.scoreAnomaly.mockRejectedValueOnce(busy(50)).mockResolvedValue(undefined);
    sut.notifyAnomaly(OWNER, ID);
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => sut.assertAccepting(OWNER)).toThrow(
      expect.objectContaining({ code: ErrorCode.Busy }) as Error,
    );
    await sut.settle();
    expect(loop.scoreAnomaly).toHaveBeenCalledTimes(2);
  });

  it('holds off only the tenant whose anomaly scores are behind', async () => {
    loop.scoreAnomaly
      .mockRejectedValueOnce(
        new LookalikeError(ErrorCode.Busy, 'behind', { details: { retry_after_ms: 300, scope: 'tenant' } }),
      )
      .mockResolvedValue(undefined);
    sut.notifyAnomaly(OWNER, ID);
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => sut.assertAccepting(OWNER)).toThrow(
      expect.objectContaining({ code: ErrorCode.Busy }) as Error,
    );
    expect(() => sut.assertAccepting('bob')).not.toThrow();
    await sut.settle();
  });

  it('drops an anomaly notification after a failure that is not busy (the recompute catches up)', async () => {
    loop.scoreAnomaly.mockRejectedValue(new LookalikeError(ErrorCode.Unavailable, 'down'));
    sut.notifyAnomaly(OWNER, ID);
    await sut.settle();
    expect(loop.scoreAnomaly).toHaveBeenCalledTimes(1);
    expect(() => sut.assertAccepting(OWNER)).not.toThrow();
  });

  it('reads the retry hint of a busy error, bounded, and nothing from other errors', () => {
    expect(busyRetryMs(busy(250))).toBe(250);
    expect(busyRetryMs(busy(60_000))).toBe(5000);
    expect(busyRetryMs(new LookalikeError(ErrorCode.Busy, 'x', { retryAfterSeconds: 2 }))).toBe(2000);
    expect(busyRetryMs(new LookalikeError(ErrorCode.Timeout, 'x'))).toBeUndefined();
    expect(busyRetryMs(new LookalikeError(ErrorCode.Timeout, 'x', { details: { reason: 'deadline' } }))).toBe(
      50,
    );
    expect(busyRetryMs(new Error('x'))).toBeUndefined();
  });
});
