import { Inject, Injectable } from '@nestjs/common';
import { LookalikeError, requireCaller, type StatsRequest, type StatsResponse } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { StatsRepository } from '@lookalike/persistence';
import { bucketOf, seriesPoints, STATS_WINDOWS, summarise, type StatsWindow } from '../domain/qc-stats';
import type { FeedbackConfig } from '../feedback.config';

/**
 * The caller's QC statistics (`GET /api/stats`, docs/OPERATIONS.md "QC metrics"): library, duplicate
 * tiers and rate, groups, the anomaly review queue, reviews, upload outcomes over the window, and
 * a series of uploads, duplicate groups found, reviews and the review backlog.
 */
@Injectable()
export class StatsService {
  constructor(
    private readonly stats: StatsRepository,
    @Inject(APP_CONFIG) private readonly config: FeedbackConfig,
  ) {}

  async get(req: StatsRequest): Promise<StatsResponse> {
    const owner = requireCaller(req.caller).ownerUserId;
    const window = (req.window || '7d') as StatsWindow;
    if (!(window in STATS_WINDOWS)) {
      throw LookalikeError.invalid(`window must be one of ${Object.keys(STATS_WINDOWS).join(', ')}`, {
        field: 'window',
      });
    }
    const now = new Date();
    const { bucket, stepSeconds } = bucketOf(window);
    // Whole buckets, the current one last.
    const to = new Date(
      Math.floor(now.getTime() / (stepSeconds * 1000)) * stepSeconds * 1000 + stepSeconds * 1000,
    );
    const from = new Date(to.getTime() - STATS_WINDOWS[window] * 1000);
    const flag = this.config.STATS_ANOMALY_FLAG_SCORE;
    const [[counts], series] = await Promise.all([
      this.stats.counts(owner, flag, from),
      this.stats.series(owner, from, to, stepSeconds),
    ]);
    return { ...summarise(counts!, now, flag), window, bucket, series: seriesPoints(series) };
  }
}
