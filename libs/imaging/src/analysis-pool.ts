import { BoundedWorkerPool, workerFile } from '@lookalike/workers';
import type { AnalysisResult, AnalysisTask } from './analysis-worker';
import type { DecodedImage } from './image-decoding';
import { type PixelRuntime, type PixelRuntimeChoice, resolvePixelRuntime } from './pixel-sums';
import { type LumaImage, qualityAndLuma, type QualityMetrics } from './quality-metrics';

/** The quality pass over decoded pixels, and the luma it made: inline or in a worker. */
export type PixelAnalysis = (
  image: DecodedImage,
  displayed: { width: number; height: number },
) => Promise<{ quality: QualityMetrics; luma: LumaImage }>;

/**
 * Without a pool (tests, tools, ingest with the compiled sums): the compiled sums run on libuv's
 * thread pool, the TypeScript sums on the calling thread.
 */
export const inlineAnalysis: PixelAnalysis = (image, displayed) => qualityAndLuma(image, displayed);

/** `inlineAnalysis` with the pixel sums on a given runtime (settled here: `native` that cannot load throws). */
export function inlineAnalysisOn(runtime: PixelRuntimeChoice): PixelAnalysis {
  const settled = resolvePixelRuntime(runtime);
  return (image, displayed) => qualityAndLuma(image, displayed, settled);
}

export interface PixelAnalysisPoolOptions {
  /** Worker threads (default: half the cores, at least one: `halfTheCores`). */
  threads?: number;
  /** Tasks that may wait for a thread (default 64 per thread); past that `analyse` rejects with `busy`. */
  maxQueue?: number;
  /** Who adds up the pixel sums (default `auto`: the compiled addon when built). */
  runtime?: PixelRuntimeChoice;
}

/**
 * The quality pass in a bounded pool of worker threads (piscina), for the TypeScript sums: about
 * 14 ms of synchronous work per 1024 px upload that would otherwise run on the event loop of the
 * process serving HTTP and the single SQL connection of the embedded stack (ingest.md, "Native
 * OpenCV and the quality pass off the event loop"). The pixels are copied to the worker, the luma
 * moved back. The compiled sums need no pool: they run on libuv's threads without that copy
 * (`inlineAnalysis`). A full queue answers `busy` at once (503 + Retry-After at the edge).
 */
export class PixelAnalysisPool {
  private readonly pool: BoundedWorkerPool;
  /** The pixel sums' runtime, settled at construction (`native` where it cannot load throws here). */
  readonly runtime: PixelRuntime;

  constructor(options: PixelAnalysisPoolOptions = {}) {
    this.runtime = resolvePixelRuntime(options.runtime ?? 'auto');
    this.pool = new BoundedWorkerPool({
      filename: workerFile(__filename, 'analysis-worker'),
      threads: options.threads,
      maxQueue: options.maxQueue,
      busyMessage: 'image analysis workers are busy',
    });
  }

  get threads(): number {
    return this.pool.threads;
  }

  /** `qualityAndLuma` of the pixels, in a worker: the same metrics and luma, bit for bit. */
  readonly analyse: PixelAnalysis = async (image, displayed) => {
    const task: AnalysisTask = {
      data: image.data,
      width: image.width,
      height: image.height,
      displayed,
      runtime: this.runtime,
    };
    const result = await this.pool.run<AnalysisResult>(task);
    return { quality: result.quality, luma: { data: result.luma, width: image.width, height: image.height } };
  };

  async close(): Promise<void> {
    await this.pool.close();
  }
}
