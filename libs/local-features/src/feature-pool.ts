import { BoundedWorkerPool, halfTheCores, workerFile } from '@lookalike/workers';
import { resolveCvRuntime, type CvRuntime, type CvRuntimeChoice } from './cv-ops';
import type { ExtractTask, Timed, VerifyTask } from './feature-worker';
import type { FeatureOptions, GreyImage } from './local-features';
import type { PairGeometry, VerifyOptions } from './verify-pair';

export interface LocalFeaturePoolOptions {
  /** Worker threads (default: half the cores, at least one). */
  threads?: number;
  /** Tasks that may wait for a thread (default 64 per thread); past that, `extract`/`verify` reject with `busy`. */
  maxQueue?: number;
  /** Which OpenCV the threads run (default `auto`: native when its addon is built). */
  runtime?: CvRuntimeChoice;
}

export type LocalFeatureOp = 'extract' | 'verify';

/** What the pool's threads have done: images extracted or pairs verified, and their CPU seconds. */
export type LocalFeatureUsage = Record<LocalFeatureOp, { items: number; seconds: number }>;

export type UsageListener = (op: LocalFeatureOp, items: number, seconds: number) => void;

export function defaultFeatureThreads(): number {
  return halfTheCores();
}

/**
 * Local-feature work off the event loop: a bounded pool of worker threads (piscina), each with
 * its own OpenCV (the native addon, or an OpenCV.js runtime). A full queue answers `busy` at once, which callers turn into their
 * backpressure (503 + Retry-After at the edge).
 */
export class LocalFeaturePool {
  private readonly pool: BoundedWorkerPool;
  private readonly totals: LocalFeatureUsage = {
    extract: { items: 0, seconds: 0 },
    verify: { items: 0, seconds: 0 },
  };
  private readonly listeners = new Set<UsageListener>();
  /** The OpenCV its threads run, settled at construction (`native` where it cannot load throws here). */
  readonly runtime: CvRuntime;

  constructor(options: LocalFeaturePoolOptions = {}) {
    this.runtime = resolveCvRuntime(options.runtime ?? 'auto');
    this.pool = new BoundedWorkerPool({
      filename: workerFile(__filename, 'feature-worker'),
      threads: options.threads ?? defaultFeatureThreads(),
      maxQueue: options.maxQueue,
      busyMessage: 'local-feature workers are busy',
    });
  }

  get threads(): number {
    return this.pool.threads;
  }

  get queued(): number {
    return this.pool.queued;
  }

  /** Totals since the pool started: what local features cost, per image and per pair. */
  get usage(): LocalFeatureUsage {
    return { extract: { ...this.totals.extract }, verify: { ...this.totals.verify } };
  }

  /** Called after every task with its items and CPU seconds (metrics); returns the unsubscribe. */
  onUsage(listener: UsageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Encoded features (`decodeLocalFeatures` reads them) of an analysis luma image (ingest's,
   * `greyFromBytes`). With `giveAway`, a caller done with the pixels hands them to the thread
   * instead of having them copied (a megabyte for a 1024 px image): `grey.data` is left empty
   * (detached) when it owns its whole buffer, and copied as usual when it is a view into a larger one.
   */
  async extract(grey: GreyImage, options?: FeatureOptions, { giveAway = false } = {}): Promise<Buffer> {
    const task: ExtractTask = { runtime: this.runtime, grey, options };
    const bytes = await this.run<Uint8Array>(
      task,
      'extract',
      1,
      giveAway ? ownedBuffer(grey.data) : undefined,
    );
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** A against each of `others`, in one task (A is decoded once). */
  verify(a: Uint8Array, others: Uint8Array[], options?: VerifyOptions): Promise<PairGeometry[]> {
    if (others.length === 0) return Promise.resolve([]);
    const task: VerifyTask = { runtime: this.runtime, a, others, options };
    return this.run<PairGeometry[]>(task, 'verify', others.length);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async run<T>(
    task: unknown,
    name: LocalFeatureOp,
    items: number,
    transfer?: ArrayBuffer,
  ): Promise<T> {
    const { value, cpuMs } = await this.pool.run<Timed<T>>(task, {
      name,
      ...(transfer ? { transferList: [transfer] } : {}),
    });
    const seconds = cpuMs / 1000;
    this.totals[name].items += items;
    this.totals[name].seconds += seconds;
    for (const listener of this.listeners) listener(name, items, seconds);
    return value;
  }
}

/** The ArrayBuffer that `data` alone spans, which can be moved to a thread without taking anything else. */
function ownedBuffer(data: Uint8Array): ArrayBuffer | undefined {
  const { buffer } = data;
  return buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength
    ? buffer
    : undefined;
}
