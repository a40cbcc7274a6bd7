import { jobProgress } from './common.dto';

describe('jobProgress', () => {
  const now = new Date('2026-12-06T10:01:40Z');
  const base = { total: 1000, failures: [], finishedAt: '' };

  it('gives the rate since the start and the time left at that rate while running', () => {
    const running = { ...base, state: 'running', done: 250, startedAt: '2026-12-06T10:00:00Z' };
    // 250 items in 100 s: 2.5/s, 750 left: 300 s.
    expect(jobProgress(running, now)).toEqual({ failed: 0, items_per_second: 2.5, eta_seconds: 300 });
  });

  it('measures a finished job up to its end, with no time left', () => {
    const done = {
      ...base,
      state: 'succeeded',
      done: 1000,
      failures: [{ item: 'a', code: 'unprocessable', reason: 'corrupt' }],
      startedAt: '2026-12-06T10:00:00Z',
      finishedAt: '2026-12-06T10:00:50Z',
    };
    expect(jobProgress(done, now)).toEqual({ failed: 1, items_per_second: 20 });
  });

  it('says nothing of rate or time before the job has started or done an item', () => {
    expect(jobProgress({ ...base, state: 'queued', done: 0, startedAt: '' }, now)).toEqual({ failed: 0 });
    expect(
      jobProgress({ ...base, state: 'running', done: 0, startedAt: '2026-12-06T10:00:00Z' }, now),
    ).toEqual({ failed: 0 });
  });
});
