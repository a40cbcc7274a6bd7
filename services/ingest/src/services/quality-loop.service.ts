import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { metricsRegistry, outcomeCounter } from '@lookalike/observability';
import { Histogram } from 'prom-client';
import type { IngestConfig } from '../ingest.config';
import { QualityLoopRepository } from '../repositories/quality-loop.repository';
import { nearDuplicateReport, type DuplicateReport } from './near-duplicate-report';

/** Retries of an anomaly notification the scoring queue refused as busy. */
const NOTIFY_ATTEMPTS = 3;
const MIN_RETRY_MS = 50;
const MAX_RETRY_MS = 5000;

/**
 * How long to wait before asking again: a busy answer's hint; at once for a check the dedup
 * service abandoned when this caller's time ran out (`timeout` with reason `deadline`: it ran
 * slower than its estimate); undefined for anything else (failed, down, no answer).
 */
export function busyRetryMs(error: unknown): number | undefined {
  if (!(error instanceof LookalikeError)) return undefined;
  if (error.code === ErrorCode.Timeout && error.details.reason === 'deadline') return MIN_RETRY_MS;
  if (error.code !== ErrorCode.Busy) return undefined;
  const hinted = Number(error.details.retry_after_ms);
  const ms = Number.isFinite(hinted) && hinted > 0 ? hinted : (error.retryAfterSeconds ?? 1) * 1000;
  return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkHistogram(): Histogram<'outcome'> {
  const name = 'lookalike_ingest_duplicate_check_seconds';
  return (
    (metricsRegistry.getSingleMetric(name) as Histogram<'outcome'> | undefined) ??
    new Histogram({
      name,
      help: 'How long an ingest waited for its duplicate check (retries after busy included), by outcome (ok, unavailable)',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60],
      registers: [metricsRegistry],
    })
  );
}

/**
 * What ingest does with the quality loop once an image is indexed, and the backpressure it takes
 * from it. The dedup check is awaited (its answer is the near-duplicate report); a busy answer
 * means the dedup service's bounded queue is full or could not answer in time, so the ingest
 * waits the hinted time and asks again (holding its ingest slot) for up to
 * INGEST_DUPLICATE_CHECK_MAX_WAIT_MS, instead of answering `unavailable`. The anomaly notification
 * is not awaited; a busy scoring queue gets it again after its hint. Either busy answer also holds
 * off new ingests for the hinted time: they are answered busy (503 + Retry-After) before any work;
 * those of every tenant, or of the one tenant when the anomaly service says only its scores are
 * behind.
 */
@Injectable()
export class QualityLoopService {
  private readonly logger = new Logger(QualityLoopService.name);
  private readonly pending = new Set<Promise<void>>();
  /** Until when new ingests are refused: every tenant's, and single tenants' (a tenant's scores are behind). */
  private hold = { until: 0, source: '' };
  private readonly tenantHolds = new Map<string, { until: number; source: string }>();
  private readonly checkSeconds = checkHistogram();
  private readonly pushback = outcomeCounter(
    'lookalike_ingest_quality_loop_busy_total',
    'Busy answers of the quality loop that held off new ingests, by source (dedup, anomaly)',
    ['source'],
  );

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    private readonly loop: QualityLoopRepository,
  ) {}

  /** Refuses a new ingest of the tenant while the dedup or anomaly service pushes back. */
  assertAccepting(ownerUserId: string): void {
    const now = Date.now();
    const tenant = this.tenantHolds.get(ownerUserId);
    if (tenant && tenant.until <= now) this.tenantHolds.delete(ownerUserId);
    const hold = tenant && tenant.until > this.hold.until ? tenant : this.hold;
    const left = hold.until - now;
    if (left <= 0) return;
    throw new LookalikeError(ErrorCode.Busy, 'the quality checks are catching up; retry shortly', {
      retryAfterSeconds: Math.max(1, Math.ceil(left / 1000)),
      details: { reason: `${hold.source}_busy` },
    });
  }

  /**
   * The dedup service's check as the ingest answer reports it. The image is indexed whatever
   * happens here: when the service fails, does not answer within INGEST_DUPLICATE_CHECK_TIMEOUT_MS,
   * or stays busy for INGEST_DUPLICATE_CHECK_MAX_WAIT_MS, the report is empty and says
   * `unavailable` (the scheduled sweep still finds the image's groups).
   */
  async duplicateReport(ownerUserId: string, imageId: string): Promise<DuplicateReport> {
    const started = Date.now();
    const giveUpAt = started + this.config.INGEST_DUPLICATE_CHECK_MAX_WAIT_MS;
    let outcome = 'unavailable';
    try {
      for (;;) {
        try {
          const answer = await this.loop.checkDuplicates(
            ownerUserId,
            imageId,
            this.config.INGEST_DUPLICATE_CHECK_TIMEOUT_MS,
          );
          outcome = 'ok';
          return {
            nearDuplicates: nearDuplicateReport(answer.matches, this.config.INGEST_DUPLICATE_REPORT_LIMIT),
            duplicateCheck: 'ok',
          };
        } catch (err) {
          const retryMs = busyRetryMs(err);
          if (retryMs === undefined || Date.now() + retryMs >= giveUpAt) {
            this.logger.warn(
              { imageId, err },
              'duplicate check unavailable: answering without near duplicates',
            );
            return { nearDuplicates: [], duplicateCheck: 'unavailable' };
          }
          this.holdOff(retryMs, 'dedup', ownerUserId, err);
          // Spread the retries of the ingests that were refused together.
          await sleep(retryMs * (0.75 + Math.random() * 0.5));
        }
      }
    } finally {
      this.checkSeconds.observe({ outcome }, (Date.now() - started) / 1000);
    }
  }

  /** Queues the image for anomaly scoring without holding up the ingest answer. */
  notifyAnomaly(ownerUserId: string, imageId: string): void {
    const work = this.sendAnomaly(ownerUserId, imageId);
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Waits for notifications in flight (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async sendAnomaly(ownerUserId: string, imageId: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.loop.scoreAnomaly(ownerUserId, imageId);
        return;
      } catch (err) {
        const retryMs = busyRetryMs(err);
        if (retryMs === undefined || attempt >= NOTIFY_ATTEMPTS) {
          // Never fatal: the scheduled recompute scores whatever was missed.
          this.logger.warn({ imageId, err }, 'anomaly notification failed');
          return;
        }
        this.holdOff(retryMs, 'anomaly', ownerUserId, err);
        await sleep(retryMs);
      }
    }
  }

  /** A busy answer about one tenant (its scores are behind) holds off that tenant only. */
  private holdOff(ms: number, source: 'dedup' | 'anomaly', ownerUserId: string, err: unknown): void {
    const until = Date.now() + ms;
    const scope = err instanceof LookalikeError ? err.details.scope : undefined;
    if (scope === 'tenant') {
      const current = this.tenantHolds.get(ownerUserId);
      if (!current || until > current.until) this.tenantHolds.set(ownerUserId, { until, source });
    } else if (until > this.hold.until) {
      this.hold = { until, source };
    }
    this.pushback.inc({ source });
  }
}
