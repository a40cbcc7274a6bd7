import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { CheckQueue } from './check-queue';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A check that holds its slot until released. */
function held(): { work: () => Promise<string>; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const startedP = new Promise<void>((resolve) => (started = resolve));
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    work: async () => {
      started();
      await done;
      return 'done';
    },
    release,
    started: startedP,
  };
}

describe('CheckQueue', () => {
  it('runs at most `concurrency` checks at once and starts the next as one finishes', async () => {
    const sut = new CheckQueue({ concurrency: 2, maxWaiting: 10 });
    const checks = [held(), held(), held()];
    const answers = checks.map((c) => sut.run(undefined, c.work));
    await Promise.all([checks[0].started, checks[1].started]);
    expect(sut.depth).toEqual({ running: 2, waiting: 1 });
    checks[0].release();
    await checks[2].started;
    expect(sut.depth).toEqual({ running: 2, waiting: 0 });
    checks[1].release();
    checks[2].release();
    await expect(Promise.all(answers)).resolves.toEqual(['done', 'done', 'done']);
    expect(sut.depth).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a check with busy and a retry hint when the wait list is full', async () => {
    const sut = new CheckQueue({ concurrency: 1, maxWaiting: 1 });
    const first = held();
    const second = held();
    const running = sut.run(undefined, first.work);
    const waiting = sut.run(undefined, second.work);
    const refused = sut.run(undefined, async () => 'never');
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.Busy });
    const error = (await refused.catch((e: unknown) => e)) as LookalikeError;
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.details.retry_after_ms).toBeGreaterThan(0);
    first.release();
    second.release();
    await Promise.all([running, waiting]);
  });

  it('runs a check at once when a slot is free, whatever the estimate says', async () => {
    const sut = new CheckQueue({ concurrency: 1, maxWaiting: 10, initialEstimateMs: 10_000 });
    await expect(sut.run(Date.now() + 100, async () => 'ran')).resolves.toBe('ran');
  });

  it('refuses at once a check that could not finish before its deadline, from the mean duration', async () => {
    const sut = new CheckQueue({ concurrency: 1, maxWaiting: 10, initialEstimateMs: 50 });
    // Three checks of about 40 ms set the estimate near 40-50 ms.
    for (let i = 0; i < 3; i += 1) await sut.run(undefined, () => sleep(40));
    const slow = held();
    const running = sut.run(undefined, slow.work);
    await slow.started;
    // One ahead of it: it would start in ~1 estimate and finish in ~2, past a 30 ms deadline.
    const started = Date.now();
    await expect(sut.run(Date.now() + 30, async () => 'late')).rejects.toMatchObject({
      code: ErrorCode.Busy,
    });
    expect(Date.now() - started).toBeLessThan(20);
    // With room before its deadline it waits for the slot.
    const later = sut.run(Date.now() + 5000, async () => 'in time');
    slow.release();
    await expect(later).resolves.toBe('in time');
    await running;
  });

  it('drops a waiting check unrun once its deadline passes', async () => {
    const sut = new CheckQueue({ concurrency: 1, maxWaiting: 10, initialEstimateMs: 1 });
    const blocker = held();
    const running = sut.run(undefined, blocker.work);
    await blocker.started;
    const work = jest.fn(async () => 'ran');
    const expired = sut.run(Date.now() + 30, work);
    await expect(expired).rejects.toMatchObject({ code: ErrorCode.Timeout, details: { reason: 'deadline' } });
    expect(sut.depth.waiting).toBe(0);
    blocker.release();
    await running;
    expect(work).not.toHaveBeenCalled();
  });

  it('stops a running check at its next live() once its deadline has passed', async () => {
    const sut = new CheckQueue({ concurrency: 1, maxWaiting: 10, initialEstimateMs: 1 });
    const steps: string[] = [];
    const answer = sut.run(Date.now() + 30, async (context) => {
      steps.push('read');
      context.live();
      await sleep(60);
      context.live();
      steps.push('saved');
    });
    await expect(answer).rejects.toMatchObject({ code: ErrorCode.Timeout });
    expect(steps).toEqual(['read']);
    // The slot is free again.
    await expect(sut.run(undefined, async () => 'next')).resolves.toBe('next');
  });
});
