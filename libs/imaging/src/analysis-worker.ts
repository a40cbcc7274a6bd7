/**
 * The worker side of `PixelAnalysisPool`: the quality pass over decoded pixels (`qualityAndLuma`,
 * about 14 ms per 1024 px photo with the TypeScript sums) runs here, off the event loop of the
 * process that serves HTTP and drives the SQL connection. Ingest starts it only for the TypeScript
 * sums; the compiled ones run on libuv's threads without it.
 */
import { Piscina } from 'piscina';
import type { PixelRuntime } from './pixel-sums';
import { qualityAndLuma, type QualityMetrics } from './quality-metrics';

export interface AnalysisTask {
  /** 3-channel pixels (transparency already flattened), row-major. */
  data: Uint8Array;
  width: number;
  height: number;
  displayed: { width: number; height: number };
  /** Settled by the pool at construction (`resolvePixelRuntime`). */
  runtime: PixelRuntime;
}

export interface AnalysisResult {
  quality: QualityMetrics;
  /** The luma's bytes: moved to the caller, not copied. */
  luma: Uint8Array;
}

export default async function analyse(task: AnalysisTask): Promise<AnalysisResult> {
  const { data, width, height, displayed, runtime } = task;
  const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const { quality, luma } = await qualityAndLuma(
    { data: pixels, width, height, channels: 3 },
    displayed,
    runtime,
  );
  const result: AnalysisResult = { quality, luma: luma.data };
  // Piscina's transferable protocol: the value is posted with the luma's buffer in its transfer list.
  return Piscina.move({
    [Piscina.transferableSymbol]: luma.data.buffer,
    [Piscina.valueSymbol]: result,
  } as never) as unknown as AnalysisResult;
}
