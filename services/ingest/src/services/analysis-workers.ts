import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import {
  inlineAnalysisOn,
  type PixelAnalysis,
  PixelAnalysisPool,
  type PixelRuntime,
  resolvePixelRuntime,
} from '@lookalike/imaging';
import type { IngestConfig } from '../ingest.config';

/**
 * Where ingest's quality pass runs, so the event loop that serves HTTP and the embedded stack's
 * single SQL connection is not held for it. Who adds up its pixel sums is `QUALITY_PASS_RUNTIME`:
 * the compiled addon runs them on libuv's thread pool, reading the decoded pixels where they lie;
 * the TypeScript loops run in `ANALYSIS_THREADS` worker threads (the pixels copied there), or
 * inline with 0.
 */
@Injectable()
export class AnalysisWorkers implements OnModuleDestroy {
  private readonly pool: PixelAnalysisPool | null;
  readonly analyse: PixelAnalysis;
  readonly runtime: PixelRuntime;

  constructor(@Inject(APP_CONFIG) config: Pick<IngestConfig, 'ANALYSIS_THREADS' | 'QUALITY_PASS_RUNTIME'>) {
    this.runtime = resolvePixelRuntime(config.QUALITY_PASS_RUNTIME);
    this.pool =
      this.runtime === 'js' && config.ANALYSIS_THREADS > 0
        ? new PixelAnalysisPool({ threads: config.ANALYSIS_THREADS, runtime: this.runtime })
        : null;
    this.analyse = this.pool ? this.pool.analyse : inlineAnalysisOn(this.runtime);
  }

  /** Worker threads of the pool (0 with the compiled sums or `ANALYSIS_THREADS=0`). */
  get threads(): number {
    return this.pool?.threads ?? 0;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
  }
}
