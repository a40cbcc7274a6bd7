import type { JobRecord, NewJobInput } from './job-runner';
import { JobSchedule } from './job-schedule';

describe('JobSchedule', () => {
  let submitted: NewJobInput[];
  const runner = {
    submit: jest.fn(async (input: NewJobInput) => {
      submitted.push(input);
      return { jobId: `job-${submitted.length}` } as JobRecord;
    }),
  };

  beforeEach(() => {
    submitted = [];
  });

  it('submits one job per owner, keyed by the minute of the tick', async () => {
    const schedule = new JobSchedule(runner, {
      cron: '0 3 * * *',
      kind: 'dedup-scan',
      owners: async () => ['alice', 'bob'],
    });
    expect(await schedule.submitAll(new Date('2026-01-02T03:00:41.500Z'))).toBe(2);
    expect(submitted).toEqual([
      { ownerUserId: 'alice', kind: 'dedup-scan', idempotencyKey: 'scheduled:2026-01-02T03:00' },
      { ownerUserId: 'bob', kind: 'dedup-scan', idempotencyKey: 'scheduled:2026-01-02T03:00' },
    ]);
  });

  it('submits at each cron tick until stopped, and reports a failed tick', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const schedule = new JobSchedule(
      runner,
      {
        cron: '* * * * * *',
        kind: 'anomaly-recompute',
        owners: async () => {
          if (fail) {
            fail = false;
            throw new Error('database down');
          }
          return ['alice'];
        },
      },
      (error) => errors.push(error),
    );
    schedule.start();
    const deadline = Date.now() + 5000;
    while (submitted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    schedule.stop();
    const count = submitted.length;
    expect(count).toBeGreaterThan(0);
    expect(submitted[0]).toMatchObject({ ownerUserId: 'alice', kind: 'anomaly-recompute' });
    expect(errors).toEqual([expect.objectContaining({ message: 'database down' })]);
    await new Promise((r) => setTimeout(r, 1200));
    expect(submitted).toHaveLength(count);
  });

  it('does nothing when the cron is off', async () => {
    const owners = jest.fn(async () => ['alice']);
    const schedule = new JobSchedule(runner, { cron: 'off', kind: 'dedup-scan', owners });
    schedule.start();
    await new Promise((r) => setTimeout(r, 1100));
    schedule.stop();
    expect(owners).not.toHaveBeenCalled();
  });
});
