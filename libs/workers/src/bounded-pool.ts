import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { Piscina } from 'piscina';

/**
 * The compiled file of a worker that sits beside `callerFile` in the sources: beside the caller
 * when it runs compiled (dist/), and in the package's dist/ at the same place when it runs from
 * its TypeScript sources (tests, ts-node), since a worker thread cannot load TypeScript.
 * `workerFile(__filename, 'feature-worker')` from `libs/x/src/a/pool.ts` is
 * `libs/x/dist/a/feature-worker.js`. A missing file throws, naming it and the build to run.
 */
export function workerFile(callerFile: string, worker: string): string {
  let dir = dirname(callerFile);
  if (callerFile.endsWith('.ts')) {
    const marker = `${sep}src${sep}`;
    const at = `${dir}${sep}`.lastIndexOf(marker);
    if (at < 0) throw new Error(`${callerFile} is not under a src/ folder; its worker cannot be found`);
    dir = join(dir.slice(0, at), 'dist', `${dir}${sep}`.slice(at + marker.length));
  }
  const file = join(dir, `${worker}.js`);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: build the sources (make build) first`);
  }
  return file;
}

/** Half the cores, at least one: what a CPU pool takes by default beside the event loop's core. */
export function halfTheCores(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}

export interface BoundedWorkerPoolOptions {
  /** The compiled worker (`workerFile`). */
  filename: string;
  /** Worker threads, all started at once and kept (default `halfTheCores()`). */
  threads?: number;
  /**
   * Tasks that may wait for a thread; past that `run` rejects with `busy` (default
   * QUEUE_PER_THREAD per thread; `Infinity` where the caller bounds its own queue).
   */
  maxQueue?: number;
  /** What the `busy` error says, e.g. "image analysis workers are busy". */
  busyMessage: string;
  /** Handed to every thread as `workerData`. */
  workerData?: unknown;
}

export interface RunOptions {
  /** The worker module's export to call (default: its default export). */
  name?: string;
  /** Buffers moved to the thread instead of copied; the caller must not use them afterwards. */
  transferList?: ArrayBuffer[];
}

/** Tasks that may wait per worker thread by default: a burst of uploads, not an unbounded backlog. */
export const QUEUE_PER_THREAD = 64;

/**
 * A fixed set of worker threads (piscina) with a bounded queue: CPU work off the event loop. A
 * task past the full queue is refused at once with a `busy` LookalikeError and a one-second retry
 * hint, which callers pass on as their backpressure (503 + Retry-After at the edge).
 */
export class BoundedWorkerPool {
  private readonly pool: Piscina;
  private readonly busyMessage: string;

  constructor(options: BoundedWorkerPoolOptions) {
    this.busyMessage = options.busyMessage;
    const threads = options.threads ?? halfTheCores();
    this.pool = new Piscina({
      filename: options.filename,
      minThreads: threads,
      maxThreads: threads,
      maxQueue: options.maxQueue ?? QUEUE_PER_THREAD * threads,
      // The threads are kept: starting one costs more than most tasks (its module graph, a runtime).
      idleTimeout: Infinity,
      workerData: options.workerData,
    });
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  /** Tasks waiting for a thread. */
  get queued(): number {
    return this.pool.queueSize;
  }

  async run<T>(task: unknown, options: RunOptions = {}): Promise<T> {
    try {
      return (await this.pool.run(task, options)) as T;
    } catch (error) {
      if (error instanceof Error && /queue is at limit/i.test(error.message)) {
        throw new LookalikeError(ErrorCode.Busy, `${this.busyMessage}; retry shortly`, {
          retryAfterSeconds: 1,
        });
      }
      throw error;
    }
  }

  /** Lets the running and queued tasks finish, then ends the threads (`force` drops the queue). */
  close(force = false): Promise<void> {
    return this.pool.close({ force });
  }
}
