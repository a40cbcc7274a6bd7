import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { Piscina } from 'piscina';
import type { AnalysisResult, AnalysisTask } from './analysis-worker';
import type { DecodedImage } from './image-decoding';
import { type LumaImage, qualityAndLuma, type QualityMetrics } from './quality-metrics';

/** The quality pass over decoded pixels, and the luma it made: inline or in a worker. */
export type PixelAnalysis = (
  image: DecodedImage,
  displayed: { width: number; height: number },
) => Promise<{ quality: QualityMetrics; luma: LumaImage }>;

/** On the calling thread (tests, tools, `ANALYSIS_THREADS=0`). */
export const inlineAnalysis: PixelAnalysis = qualityAndLuma;

export interface PixelAnalysisPoolOptions {
  /** Worker threads (default: half the cores, at least one). */
  threads?: number;
  /** Tasks that may wait for a thread; past that `analyse` rejects with `busy`. */
  maxQueue?: number;
}

/** The compiled worker: beside this file when compiled, in dist/ when run from sources (tests). */
function workerEntry(): string {
  const compiled = __filename.endsWith('.ts')
    ? join(__dirname, '../dist/analysis-worker.js')
    : join(__dirname, 'analysis-worker.js');
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} is missing: build libs/imaging (make build) first`);
  }
  return compiled;
}

export function defaultAnalysisThreads(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

/**
 * The quality pass in a bounded pool of worker threads (piscina): about 20 ms of synchronous
 * JavaScript per 1024 px upload that used to run on the event loop of the process serving HTTP
 * and the single SQL connection of the embedded stack (ingest.md, "Native OpenCV and the quality
 * pass off the event loop"). The pixels are copied to the worker, the luma moved back. A full
 * queue answers `busy` at once (503 + Retry-After at the edge).
 */
export class PixelAnalysisPool {
  private readonly pool: Piscina;

  constructor(options: PixelAnalysisPoolOptions = {}) {
    const threads = options.threads ?? defaultAnalysisThreads();
    this.pool = new Piscina({
      filename: workerEntry(),
      minThreads: threads,
      maxThreads: threads,
      maxQueue: options.maxQueue ?? 64 * threads,
      idleTimeout: 60_000,
    });
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /** `qualityAndLuma` of the pixels, in a worker: the same metrics and luma, bit for bit. */
  readonly analyse: PixelAnalysis = async (image, displayed) => {
    const task: AnalysisTask = { data: image.data, width: image.width, height: image.height, displayed };
    let result: AnalysisResult;
    try {
      result = (await this.pool.run(task)) as AnalysisResult;
    } catch (error) {
      if (error instanceof Error && /queue is at limit/i.test(error.message)) {
        throw new LookalikeError(ErrorCode.Busy, 'image analysis workers are busy; retry shortly', {
          retryAfterSeconds: 1,
        });
      }
      throw error;
    }
    return { quality: result.quality, luma: { data: result.luma, width: image.width, height: image.height } };
  };

  async close(): Promise<void> {
    await this.pool.close({ force: false });
  }
}
