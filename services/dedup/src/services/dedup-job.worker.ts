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
import type { JobEntity } from '@lookalike/persistence';
import { DedupStoreRepository } from '../repositories/dedup-store.repository';
import { IngestClientRepository } from '../repositories/ingest-client.repository';
import { JobQueueRepository, type DeletePayload } from '../repositories/job-queue.repository';
import { DEDUP_SETTINGS, type DedupSettings } from './dedup-settings';
import { DedupSweepService } from './dedup-sweep.service';

const LEASE_SECONDS = 300;

/**
 * Runs the dedup jobs of the `jobs` table in this process: queued sweeps, deletions whose undo
 * window has ended, and the scheduled sweep of every tenant. Jobs are claimed under a lease, so
 * several processes can run workers and a crashed one's job is taken up again.
 */
@Injectable()
export class DedupJobWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DedupJobWorker.name);
  private readonly workerId = `dedup-${hostname()}-${process.pid}-${ulid()}`;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly queue: JobQueueRepository,
    private readonly sweep: DedupSweepService,
    private readonly store: DedupStoreRepository,
    private readonly ingest: IngestClientRepository,
    private readonly scheduler: SchedulerRegistry,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.settings.config.DEDUP_JOB_POLL_MS);
    this.timer.unref();
    const cron = this.settings.config.DEDUP_SCAN_CRON;
    if (cron !== 'off') {
      const job = CronJob.from({ cronTime: cron, onTick: () => void this.scheduleAll(), start: true });
      this.scheduler.addCronJob('dedup-scan', job);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.scheduler.doesExist('cron', 'dedup-scan')) this.scheduler.deleteCronJob('dedup-scan');
    await this.running;
  }

  /** Looks for work now (after an enqueue) instead of at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.error(`dedup worker: ${String(error)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Tonight's sweep for every tenant; the idempotency key makes a second replica's tick a no-op. */
  async scheduleAll(): Promise<number> {
    const day = new Date().toISOString().slice(0, 16);
    const owners = await this.store.owners();
    for (const owner of owners) await this.queue.enqueueScan(owner, `scheduled:${day}`);
    this.wake();
    return owners.length;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const scan = await this.queue.claimScan(this.workerId, LEASE_SECONDS);
      if (scan) {
        await this.runScan(scan);
        continue;
      }
      const del = await this.queue.claimDueDelete(this.workerId, LEASE_SECONDS);
      if (del) {
        await this.runDelete(del);
        continue;
      }
      return;
    }
  }

  private async runScan(job: JobEntity): Promise<void> {
    try {
      const summary = await this.sweep.scan(job.ownerUserId, job.jobId, async (done, total) => {
        await this.queue.jobs.progress(job.jobId, this.workerId, {
          done,
          total,
          leaseSeconds: LEASE_SECONDS,
        });
      });
      await this.queue.jobs.complete(job.jobId, this.workerId, summary as unknown as Record<string, unknown>);
    } catch (error) {
      this.logger.error(`sweep ${job.jobId} failed: ${String(error)}`);
      await this.queue.jobs
        .fail(job.jobId, this.workerId, String(error), { retryable: true })
        .catch(() => undefined);
    }
  }

  private async runDelete(job: JobEntity): Promise<void> {
    const payload = job.payload as unknown as DeletePayload;
    const caller = { ownerUserId: job.ownerUserId, userId: payload.userId };
    let done = 0;
    const failures: { item: string; code: string; reason: string }[] = [];
    for (const imageId of payload.imageIds) {
      try {
        await this.ingest.deleteImage(caller, imageId);
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'internal';
        // An image already gone is what the job wanted.
        if (code !== 'not_found') failures.push({ item: imageId, code, reason: String(error) });
      }
      done += 1;
    }
    await this.queue.jobs.progress(job.jobId, this.workerId, { done, failures });
    await this.queue.jobs.complete(job.jobId, this.workerId, { deleted: done - failures.length });
  }
}
