import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import { inlineAnalysisOn, type PixelAnalysis, PixelAnalysisPool } from '@lookalike/imaging';
import type { IngestConfig } from '../ingest.config';

/**
 * Where ingest's quality pass runs (`ANALYSIS_THREADS`): a pool of worker threads, so the event
 * loop that serves HTTP and the embedded stack's single SQL connection is not held for it, or
 * inline with 0 threads; and who adds up its pixel sums (`QUALITY_PASS_RUNTIME`: the compiled
 * addon, or TypeScript).
 */
@Injectable()
export class AnalysisWorkers implements OnModuleDestroy {
  private readonly pool: PixelAnalysisPool | null;
  readonly analyse: PixelAnalysis;

  constructor(@Inject(APP_CONFIG) config: Pick<IngestConfig, 'ANALYSIS_THREADS' | 'QUALITY_PASS_RUNTIME'>) {
    const runtime = config.QUALITY_PASS_RUNTIME;
    this.pool =
      config.ANALYSIS_THREADS > 0
        ? new PixelAnalysisPool({ threads: config.ANALYSIS_THREADS, runtime })
        : null;
    this.analyse = this.pool ? this.pool.analyse : inlineAnalysisOn(runtime);
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
  }
}
