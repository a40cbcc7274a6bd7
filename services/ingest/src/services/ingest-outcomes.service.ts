import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { isRequestError } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { outcomeCounter, TenantLabels } from '@lookalike/observability';
import { StatsRepository, type IngestOutcome, type OutcomeCount } from '@lookalike/persistence';
import type { IngestConfig } from '../ingest.config';

const HOUR_MS = 3_600_000;
/** How often the labelled tenants are recounted (the largest by stored images). */
const LARGEST_REFRESH_MS = 5 * 60_000;

/** An upload's answer as the QC statistics count it: a client error is a refusal, the rest a failure. */
export function outcomeOf(result: 'created' | 'duplicate' | unknown): IngestOutcome {
  if (result === 'created' || result === 'duplicate') return result;
  return isRequestError(result) ? 'rejected' : 'failed';
}

/**
 * Upload outcomes per tenant (docs/OPERATIONS.md, "QC metrics"): a Prometheus counter
 * `lookalike_qc_ingest_outcomes_total{tenant, outcome}` with bounded tenant labels, and hourly
 * counts in SQL (`ingest_outcomes`) for `GET /api/stats`, added every INGEST_OUTCOMES_FLUSH_MS in
 * one statement (and at shutdown). A crash loses at most that interval's counts.
 */
@Injectable()
export class IngestOutcomesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IngestOutcomesService.name);
  private readonly counter = outcomeCounter(
    'lookalike_qc_ingest_outcomes_total',
    'Upload answers per tenant (bounded: the largest tenants by name, the rest as other): created, duplicate, rejected (a client error) or failed',
    ['tenant', 'outcome'],
  );
  private readonly labels: TenantLabels;
  private pending = new Map<string, OutcomeCount>();
  private flushTimer?: NodeJS.Timeout;
  private largestTimer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    private readonly stats: StatsRepository,
  ) {
    this.labels = new TenantLabels(config.METRICS_TENANT_TOP_N);
  }

  onModuleInit(): void {
    this.flushTimer = setInterval(() => void this.flush(), this.config.INGEST_OUTCOMES_FLUSH_MS);
    this.flushTimer.unref();
    const recount = () =>
      this.stats
        .largestTenants(this.labels.limit)
        .then((tenants) => this.labels.setLargest(tenants))
        .catch((error: unknown) => this.logger.warn({ error }, 'could not count the largest tenants'));
    void recount();
    this.largestTimer = setInterval(() => void recount(), LARGEST_REFRESH_MS);
    this.largestTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.largestTimer);
    await this.flush();
  }

  record(owner: string, outcome: IngestOutcome, at = Date.now()): void {
    if (!owner) return;
    this.counter.inc({ tenant: this.labels.label(owner), outcome });
    const hour = new Date(Math.floor(at / HOUR_MS) * HOUR_MS);
    const key = `${owner}\u0000${hour.getTime()}\u0000${outcome}`;
    const entry = this.pending.get(key);
    if (entry) entry.count += 1;
    else this.pending.set(key, { ownerUserId: owner, hour, outcome, count: 1 });
  }

  /** Adds what was counted since the last flush; on a database error the counts wait for the next. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.stats.addOutcomes([...batch.values()]);
    } catch (error) {
      for (const [key, entry] of batch) {
        const now = this.pending.get(key);
        if (now) now.count += entry.count;
        else this.pending.set(key, entry);
      }
      this.logger.warn({ error }, 'upload outcomes not saved yet; retrying at the next flush');
    }
  }
}
