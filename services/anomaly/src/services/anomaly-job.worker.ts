import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { hostname } from 'node:os';
import { ulid } from 'ulid';
import { APP_CONFIG } from '@lookalike/config';
import type { AnomalyConfig } from '../anomaly.config';
import { AnomalyStoreRepository } from '../repositories/anomaly-store.repository';
import { AnomalyScoringService } from './anomaly-scoring.service';

export const RECOMPUTE_JOB = 'anomaly-recompute';
const LEASE_SECONDS = 600;

/** Runs queued recomputes from the `jobs` table under a lease, and schedules the nightly one. */
@Injectable()
export class AnomalyJobWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AnomalyJobWorker.name);
  private readonly workerId = `anomaly-${hostname()}-${process.pid}-${ulid()}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: AnomalyStoreRepository,
    private readonly scoring: AnomalyScoringService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.config.ANOMALY_JOB_POLL_MS);
    this.timer.unref();
    if (this.config.ANOMALY_RECOMPUTE_CRON !== 'off') {
      const job = CronJob.from({
        cronTime: this.config.ANOMALY_RECOMPUTE_CRON,
        onTick: () => void this.scheduleAll(),
        start: true,
      });
      this.scheduler.addCronJob(RECOMPUTE_JOB, job);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduler.doesExist('cron', RECOMPUTE_JOB)) this.scheduler.deleteCronJob(RECOMPUTE_JOB);
    await this.running;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.error(`anomaly worker: ${String(error)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async scheduleAll(): Promise<number> {
    const slot = new Date().toISOString().slice(0, 16);
    const owners = await this.store.owners();
    for (const ownerUserId of owners) {
      await this.store.jobs.create({ ownerUserId, kind: RECOMPUTE_JOB, idempotencyKey: `scheduled:${slot}` });
    }
    this.wake();
    return owners.length;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const job = await this.store.jobs.claim({
        workerId: this.workerId,
        kinds: [RECOMPUTE_JOB],
        leaseSeconds: LEASE_SECONDS,
      });
      if (!job) return;
      try {
        const summary = await this.scoring.recompute(job.ownerUserId, async (done, total) => {
          await this.store.jobs.progress(job.jobId, this.workerId, {
            done,
            total,
            leaseSeconds: LEASE_SECONDS,
          });
        });
        await this.store.jobs.complete(
          job.jobId,
          this.workerId,
          summary as unknown as Record<string, unknown>,
        );
      } catch (error) {
        this.logger.error(`recompute ${job.jobId} failed: ${String(error)}`);
        await this.store.jobs
          .fail(job.jobId, this.workerId, String(error), { retryable: true })
          .catch(() => undefined);
      }
    }
  }
}
