import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import { inlineAnalysis, type PixelAnalysis, PixelAnalysisPool } from '@lookalike/imaging';
import type { IngestConfig } from '../ingest.config';

/**
 * Where ingest's quality pass runs (`ANALYSIS_THREADS`): a pool of worker threads, so the event
 * loop that serves HTTP and the embedded stack's single SQL connection is not held for it, or
 * inline with 0 threads.
 */
@Injectable()
export class AnalysisWorkers implements OnModuleDestroy {
  private readonly pool: PixelAnalysisPool | null;
  readonly analyse: PixelAnalysis;

  constructor(@Inject(APP_CONFIG) config: Pick<IngestConfig, 'ANALYSIS_THREADS'>) {
    this.pool =
      config.ANALYSIS_THREADS > 0 ? new PixelAnalysisPool({ threads: config.ANALYSIS_THREADS }) : null;
    this.analyse = this.pool ? this.pool.analyse : inlineAnalysis;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
  }
}
