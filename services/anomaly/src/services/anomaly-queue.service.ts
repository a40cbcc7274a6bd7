import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { JOB_RUNNER, type JobRunner, type RunningJob } from '@lookalike/messaging';
import type { AnomalyConfig } from '../anomaly.config';
import { ScoreBacklog, type PendingImage, type ScoreBatch } from '../domain/score-backlog';
import { backlogGauges } from '../metrics/anomaly.metrics';
import { AnomalyStoreRepository } from '../repositories/anomaly-store.repository';
import { AnomalyScoringService } from './anomaly-scoring.service';

export const SCORE_JOB = 'anomaly-score';
/** How often waiting batches are looked at. */
const TICK_MS = 100;
/** A batch in flight this long that this process did not run is looked up in the jobs table. */
const POLL_AFTER_MS = 1000;
/** Finished scoring jobs are bookkeeping: their rows are dropped after this long. */
const JOB_RETENTION_S = 600;
const PRUNE_EVERY_MS = 60_000;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

function imagesOf(payload: Record<string, unknown>): PendingImage[] {
  const list = Array.isArray(payload.images) ? (payload.images as unknown[]) : [];
  return list.flatMap((item) => {
    const { id, at } = (item ?? {}) as { id?: unknown; at?: unknown };
    return typeof id === 'string' && typeof at === 'number' ? [{ imageId: id, at }] : [];
  });
}

/**
 * The ingest-time anomaly scoring queue. `AnomalyScoreImage` only queues the image (the ingest is
 * not held up); the backlog hands a tenant's waiting images out as one batch, which runs as an
 * `anomaly-score` job on the shared job runner (JetStream in the distributed mode, so a batch
 * survives a crash and any replica may score it; the in-process queue in the embedded mode), one
 * pass per batch. Bounded: past ANOMALY_QUEUE_MAX waiting images, or a tenant whose oldest
 * unscored image is older than ANOMALY_MAX_LAG_MS, new images are refused with busy.
 */
@Injectable()
export class AnomalyQueueService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AnomalyQueueService.name);
  private readonly backlog: ScoreBacklog;
  /** Batches this process submitted, by job id. */
  private readonly submitted = new Map<string, ScoreBatch>();
  private pumping: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private lastPoll = 0;
  private lastPrune = 0;

  constructor(
    private readonly scoring: AnomalyScoringService,
    private readonly store: AnomalyStoreRepository,
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
  ) {
    this.backlog = new ScoreBacklog({
      maxImages: config.ANOMALY_QUEUE_MAX,
      maxLagMs: config.ANOMALY_MAX_LAG_MS,
      batchMax: config.ANOMALY_BATCH_MAX,
      gatherMs: config.ANOMALY_BATCH_GATHER_MS,
    });
    const backlog = this.backlog;
    backlogGauges(() => ({ ...backlog.size(), lagMs: backlog.lagMs(Date.now()) }));
  }

  onModuleInit(): void {
    this.runner.register(SCORE_JOB, (running) => this.run(running), { concurrency: 1 });
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Queues an image of the tenant for scoring; busy (with a retry hint) when the queue is full or behind. */
  enqueue(owner: string, imageId: string): void {
    const refusal = this.backlog.add(owner, imageId, Date.now());
    if (refusal) {
      throw new LookalikeError(
        ErrorCode.Busy,
        refusal.scope === 'tenant'
          ? 'anomaly scores of this tenant are behind; retry shortly'
          : 'the anomaly scoring queue is full; retry shortly',
        {
          retryAfterSeconds: Math.max(1, Math.ceil(refusal.retryAfterMs / 1000)),
          details: { retry_after_ms: Math.round(refusal.retryAfterMs), scope: refusal.scope },
        },
      );
    }
    this.pump();
  }

  /** Resolves once the batches due now are submitted (tests). */
  submittedNow(): Promise<void> {
    this.pump();
    return this.pumping;
  }

  /** How long the oldest image of this process still waiting for its score has waited, in ms. */
  lag(): number {
    return this.backlog.lagMs(Date.now());
  }

  /** Images waiting (queued, or in a batch not finished yet). */
  get waiting(): number {
    const { pending, inFlight } = this.backlog.size();
    return pending + inFlight;
  }

  private pump(): void {
    this.pumping = this.pumping
      .then(() => this.submitDue())
      .catch((err: unknown) =>
        this.logger.warn({ err: String(err) }, 'anomaly scoring queue failed to submit'),
      );
  }

  private async submitDue(): Promise<void> {
    for (const batch of this.backlog.take(Date.now())) {
      try {
        const job = await this.runner.submit({
          ownerUserId: batch.owner,
          kind: SCORE_JOB,
          payload: { images: batch.images.map((im) => ({ id: im.imageId, at: im.at })) },
          total: batch.images.length,
          maxAttempts: 3,
        });
        this.submitted.set(job.jobId, batch);
      } catch (err) {
        this.backlog.requeue(batch);
        this.logger.warn(
          { owner: batch.owner, err: String(err) },
          'could not submit an anomaly scoring batch',
        );
      }
    }
  }

  private async run({ job }: RunningJob): Promise<Record<string, unknown>> {
    try {
      return { ...(await this.scoring.scoreImages(job.ownerUserId, imagesOf(job.payload))) };
    } finally {
      this.finished(job.jobId);
    }
  }

  private finished(jobId: string): void {
    const batch = this.submitted.get(jobId);
    if (!batch) return;
    this.submitted.delete(jobId);
    this.backlog.done(batch);
    this.pump();
  }

  private async tick(): Promise<void> {
    this.pump();
    const now = Date.now();
    try {
      if (now - this.lastPoll >= POLL_AFTER_MS && this.submitted.size > 0) {
        this.lastPoll = now;
        // Batches another replica scored: this process only learns it from the jobs table.
        const stale = new Set(this.backlog.stale(now - POLL_AFTER_MS).map((b) => b.images));
        const ids = [...this.submitted].filter(([, b]) => stale.has(b.images)).map(([id]) => id);
        const states = await this.store.jobStates(ids);
        for (const id of ids) {
          const state = states.get(id);
          if (state === undefined || FINISHED.has(state)) this.finished(id);
        }
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        await this.store.pruneSucceededJobs(SCORE_JOB, JOB_RETENTION_S);
      }
    } catch (err) {
      this.logger.warn({ err: String(err) }, 'anomaly scoring queue upkeep failed');
    }
  }
}
