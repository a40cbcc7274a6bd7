import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import { metricsRegistry } from '@lookalike/observability';
import { StatsRepository } from '@lookalike/persistence';
import { Gauge } from 'prom-client';
import { labelledTenants, summarise } from '../domain/qc-stats';
import type { FeedbackConfig } from '../feedback.config';

function gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
  const existing = metricsRegistry.getSingleMetric(name);
  if (existing) return existing as Gauge<string>;
  return new Gauge({ name, help, labelNames, registers: [metricsRegistry] });
}

/**
 * Per-tenant QC gauges (docs/OPERATIONS.md, "QC metrics"), recounted every
 * STATS_METRICS_INTERVAL_S from SQL with one grouped query per table. The METRICS_TENANT_TOP_N
 * largest tenants are labelled by name, the others summed under `tenant="other"`; each recount
 * replaces the series, so a tenant that leaves the top (or is deleted) drops out.
 */
@Injectable()
export class QcMetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(QcMetricsService.name);
  private timer?: NodeJS.Timeout;
  private readonly images = gauge(
    'lookalike_qc_images',
    'Stored images per tenant: stills and video frames',
    ['tenant', 'kind'],
  );
  private readonly videos = gauge('lookalike_qc_videos', 'Stored videos per tenant', ['tenant']);
  private readonly copies = gauge(
    'lookalike_qc_duplicate_copies',
    'Redundant copies in open image groups per tenant and tier (images beyond one per set of overlapping groups)',
    ['tenant', 'tier'],
  );
  private readonly rate = gauge(
    'lookalike_qc_duplicate_rate',
    'Share of stills that are redundant copies in open exact or near groups',
    ['tenant'],
  );
  private readonly groups = gauge('lookalike_qc_groups', 'Dedup groups per tenant, media and status', [
    'tenant',
    'media',
    'status',
  ]);
  private readonly queueDepth = gauge(
    'lookalike_qc_anomaly_queue_depth',
    'Images at or above STATS_ANOMALY_FLAG_SCORE never reviewed',
    ['tenant'],
  );
  private readonly queueAge = gauge(
    'lookalike_qc_anomaly_queue_age_seconds',
    'Age of the oldest image waiting in the anomaly review queue',
    ['tenant'],
  );
  private readonly reviews = gauge(
    'lookalike_qc_reviews_last_hour',
    'Pair decisions and anomaly reviews in the last hour',
    ['tenant'],
  );

  constructor(
    private readonly stats: StatsRepository,
    @Inject(APP_CONFIG) private readonly config: FeedbackConfig,
  ) {}

  onModuleInit(): void {
    const seconds = this.config.STATS_METRICS_INTERVAL_S;
    if (seconds <= 0) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), seconds * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Recounts every tenant and replaces the gauges' series; a failed recount keeps the last ones. */
  async refresh(): Promise<void> {
    const flag = this.config.STATS_ANOMALY_FLAG_SCORE;
    const now = new Date();
    let all;
    try {
      all = await this.stats.counts(undefined, flag, new Date(now.getTime() - 86_400_000));
    } catch (error) {
      this.logger.warn({ error }, 'QC gauges not recounted');
      return;
    }
    for (const g of [
      this.images,
      this.videos,
      this.copies,
      this.rate,
      this.groups,
      this.queueDepth,
      this.queueAge,
      this.reviews,
    ]) {
      g.reset();
    }
    for (const { tenant, counts } of labelledTenants(all, this.config.METRICS_TENANT_TOP_N)) {
      const s = summarise(counts, now, flag);
      this.images.set({ tenant, kind: 'still' }, s.stills);
      this.images.set({ tenant, kind: 'frame' }, s.frames);
      this.videos.set({ tenant }, s.videos);
      for (const tier of ['exact', 'near', 'similar'] as const)
        this.copies.set({ tenant, tier }, s[tier]!.openCopies);
      this.rate.set({ tenant }, s.duplicateRate);
      for (const media of ['image', 'video']) {
        for (const status of ['open', 'resolved']) {
          const n = counts.groups
            .filter((g) => g.media === media && g.status === status)
            .reduce((sum, g) => sum + g.count, 0);
          this.groups.set({ tenant, media, status }, n);
        }
      }
      this.queueDepth.set({ tenant }, s.anomalyQueueDepth);
      this.queueAge.set({ tenant }, s.anomalyQueueAgeSeconds);
      this.reviews.set({ tenant }, s.reviewsLastHour);
    }
  }
}
