import { CronJob } from 'cron';
import type { JobRecord, NewJobInput } from './job-runner';

export interface JobScheduleOptions {
  /** A cron expression (`0 3 * * *`); `off` disables the schedule. */
  cron: string;
  kind: string;
  /** The tenants that get a job at each tick. */
  owners: () => Promise<string[]>;
}

/**
 * A periodic trigger that only submits: at each tick one job per owner, keyed by the tick's minute,
 * so the same tick in every replica of a service creates each job once; the runner runs them.
 */
export class JobSchedule {
  private cron?: CronJob;

  constructor(
    private readonly runner: { submit(input: NewJobInput): Promise<JobRecord> },
    private readonly options: JobScheduleOptions,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    if (this.options.cron === 'off' || this.cron) return;
    this.cron = CronJob.from({
      cronTime: this.options.cron,
      onTick: () => void this.submitAll().catch((error: unknown) => this.onError(error)),
      start: true,
    });
  }

  stop(): void {
    void this.cron?.stop();
    this.cron = undefined;
  }

  /** Submits this tick's jobs; returns how many owners got one. */
  async submitAll(at: Date = new Date()): Promise<number> {
    const slot = at.toISOString().slice(0, 16);
    const owners = await this.options.owners();
    for (const ownerUserId of owners) {
      await this.runner.submit({
        ownerUserId,
        kind: this.options.kind,
        idempotencyKey: `scheduled:${slot}`,
      });
    }
    return owners.length;
  }
}
