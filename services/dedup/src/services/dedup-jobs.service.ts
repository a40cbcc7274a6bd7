import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { JOB_RUNNER, type JobFailureRecord, type JobRunner, type RunningJob } from '@lookalike/messaging';
import { JobRepository } from '@lookalike/persistence';
import { DELETE_JOB, SCAN_JOB, type DeletePayload } from '../domain/dedup-jobs';
import { DedupStoreRepository } from '../repositories/dedup-store.repository';
import { IngestClientRepository } from '../repositories/ingest-client.repository';
import { DEDUP_SETTINGS, type DedupSettings } from './dedup-settings';
import { DedupSweepService } from './dedup-sweep.service';

/**
 * The dedup jobs on the shared job runner: sweeps (on demand and scheduled for every tenant) and
 * deletions of confirmed duplicates once their undo window has ended.
 */
@Injectable()
export class DedupJobsService implements OnModuleInit {
  constructor(
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    private readonly jobs: JobRepository,
    private readonly sweep: DedupSweepService,
    private readonly store: DedupStoreRepository,
    private readonly ingest: IngestClientRepository,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
  ) {}

  onModuleInit(): void {
    this.runner.register(SCAN_JOB, (running) => this.runScan(running));
    this.runner.register(DELETE_JOB, (running) => this.runDelete(running));
    this.runner.schedule({
      cron: this.settings.config.DEDUP_SCAN_CRON,
      kind: SCAN_JOB,
      owners: () => this.store.owners(),
    });
  }

  submitScan(owner: string): Promise<{ jobId: string }> {
    return this.runner.submit({ ownerUserId: owner, kind: SCAN_JOB, maxAttempts: 3 });
  }

  /** Queues the deletion; it waits in `queued` until `runAfter` (the end of the undo window). */
  submitDelete(owner: string, payload: DeletePayload, runAfter: Date): Promise<{ jobId: string }> {
    return this.runner.submit({
      ownerUserId: owner,
      kind: DELETE_JOB,
      payload: { ...payload },
      total: payload.imageIds.length + (payload.videoIds?.length ?? 0),
      maxAttempts: 5,
      runAfter,
    });
  }

  /** Undo: cancels the deletions of a group that have not started. */
  async cancelPendingDeletes(owner: string, groupId: string): Promise<void> {
    for (const jobId of await this.store.pendingDeletes(owner, groupId)) await this.jobs.cancel(owner, jobId);
  }

  private async runScan({ job, progress }: RunningJob): Promise<Record<string, unknown>> {
    return {
      ...(await this.sweep.scan(job.ownerUserId, job.jobId, (done, total) => progress({ done, total }))),
    };
  }

  private async runDelete({ job, progress }: RunningJob): Promise<Record<string, unknown>> {
    const payload = job.payload as unknown as DeletePayload;
    const caller = { ownerUserId: job.ownerUserId, userId: payload.userId };
    let done = 0;
    const failures: JobFailureRecord[] = [];
    const targets = [
      ...payload.imageIds.map((id) => ({ id, remove: () => this.ingest.deleteImage(caller, id) })),
      ...(payload.videoIds ?? []).map((id) => ({ id, remove: () => this.ingest.deleteVideo(caller, id) })),
    ];
    for (const { id, remove } of targets) {
      try {
        await remove();
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'internal';
        // An image or video already gone is what the job wanted.
        if (code !== 'not_found') failures.push({ item: id, code, reason: String(error) });
      }
      done += 1;
    }
    await progress({ done, failures });
    return { deleted: done - failures.length };
  }
}
