import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  LookalikeError,
  type AnomalyItem,
  type AnomalyListRequest,
  type AnomalyListResponse,
  type AnomalyReviewRequest,
  type AnomalyReviewResponse,
  type Empty,
  type ImageScoreRequest,
  type JobRef,
  type RecomputeStartRequest,
  requireCaller,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { JOB_RUNNER, type JobRunner, type RunningJob } from '@lookalike/messaging';
import { ANOMALY_VERDICTS, type AnomalyVerdict } from '@lookalike/persistence';
import type { AnomalyConfig } from '../anomaly.config';
import { RECOMPUTE_JOB } from '../domain/anomaly-jobs';
import { ANOMALY_METHODS, type ListMethod } from '../domain/anomaly-scoring';
import { AnomalyStoreRepository, type ListedScore } from '../repositories/anomaly-store.repository';
import { ThumbnailUrlRepository } from '../repositories/thumbnail-url.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import { AnomalyQueueService } from './anomaly-queue.service';
import { AnomalyScoringService } from './anomaly-scoring.service';

export { RECOMPUTE_JOB };
const LIST_METHODS: readonly string[] = [...ANOMALY_METHODS, 'combined'];

@Injectable()
export class AnomalyService implements OnModuleInit {
  constructor(
    private readonly store: AnomalyStoreRepository,
    private readonly index: VectorIndexRepository,
    private readonly urls: ThumbnailUrlRepository,
    private readonly scoring: AnomalyScoringService,
    private readonly queue: AnomalyQueueService,
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
  ) {}

  /** Recomputes run on the shared job runner; the nightly schedule only submits them. */
  onModuleInit(): void {
    this.runner.register(RECOMPUTE_JOB, (running) => this.runRecompute(running));
    this.runner.schedule({
      cron: this.config.ANOMALY_RECOMPUTE_CRON,
      kind: RECOMPUTE_JOB,
      owners: () => this.store.owners(),
    });
  }

  async list(req: AnomalyListRequest): Promise<AnomalyListResponse> {
    const { ownerUserId } = requireCaller(req.caller);
    const method = req.method || 'combined';
    if (!LIST_METHODS.includes(method))
      throw LookalikeError.invalid(`method must be one of ${LIST_METHODS.join(', ')}`);
    const status = req.status || 'open';
    if (status !== 'open' && status !== 'reviewed')
      throw LookalikeError.invalid('status must be open or reviewed');
    const page = await this.store.list(
      ownerUserId,
      method as ListMethod,
      status,
      req.cursor || undefined,
      req.limit || undefined,
    );
    return { items: await this.items(ownerUserId, page.items), nextCursor: page.nextCursor ?? '' };
  }

  async review(req: AnomalyReviewRequest): Promise<AnomalyReviewResponse> {
    const caller = requireCaller(req.caller);
    if (!(ANOMALY_VERDICTS as readonly string[]).includes(req.verdict)) {
      throw LookalikeError.invalid(`verdict must be one of ${ANOMALY_VERDICTS.join(', ')}`);
    }
    let scored = await this.store.get(caller.ownerUserId, req.imageId);
    if (!scored) {
      // An image reviewed before any score exists (feedback right after ingest) is scored now.
      if (!(await this.scoring.scoreImage(caller.ownerUserId, req.imageId))) {
        throw LookalikeError.notFound('image', req.imageId);
      }
      scored = await this.store.get(caller.ownerUserId, req.imageId);
    }
    await this.store.recordReview({
      ownerUserId: caller.ownerUserId,
      imageId: req.imageId,
      verdict: req.verdict as AnomalyVerdict,
      userId: caller.userId,
      score: scored?.combined ?? null,
      note: req.note || null,
    });
    const after = await this.store.get(caller.ownerUserId, req.imageId);
    const [item] = await this.items(caller.ownerUserId, after ? [after] : []);
    return { item };
  }

  async recompute(req: RecomputeStartRequest): Promise<JobRef> {
    const { ownerUserId } = requireCaller(req.caller);
    const job = await this.runner.submit({ ownerUserId, kind: RECOMPUTE_JOB, maxAttempts: 3 });
    return { jobId: job.jobId };
  }

  /**
   * Queues an indexed image for its ingest-time score and answers at once (busy when the queue is
   * full or the tenant's scores are behind). An image no longer in the index is skipped by the pass.
   */
  async scoreImage(req: ImageScoreRequest): Promise<Empty> {
    const { ownerUserId } = requireCaller(req.caller);
    if (!req.imageId) throw LookalikeError.invalid('image_id is required');
    this.queue.enqueue(ownerUserId, req.imageId);
    return {};
  }

  private async runRecompute({ job, progress }: RunningJob): Promise<Record<string, unknown>> {
    return { ...(await this.scoring.recompute(job.ownerUserId, (done, total) => progress({ done, total }))) };
  }

  private async items(owner: string, rows: readonly ListedScore[]): Promise<AnomalyItem[]> {
    const points = await this.index.findByImageIds(
      owner,
      rows.map((r) => r.imageId),
    );
    const payloads = new Map(points.map((p) => [p.payload.imageId, p.payload]));
    return Promise.all(
      rows.map(async (r) => {
        const payload = payloads.get(r.imageId);
        return {
          imageId: r.imageId,
          score: r.score,
          components: { dnn: r.dnn, density: r.density, ood: r.ood, quality: r.quality },
          status: r.verdict ? 'reviewed' : 'open',
          verdict: r.verdict ?? '',
          qualityFlags: payload?.qualityFlags ?? [],
          thumbnailUrl: payload ? await this.urls.thumbnailFor(payload.key) : '',
        };
      }),
    );
  }
}
