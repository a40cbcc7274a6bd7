import { ErrorCode, LookalikeError } from '@lookalike/contracts';

export interface CheckQueueOptions {
  /** Checks running at once. */
  concurrency: number;
  /** Checks that may wait for a slot; one more is refused with busy. */
  maxWaiting: number;
  /** The duration assumed for a check before any has finished. */
  initialEstimateMs?: number;
  now?: () => number;
}

/** What a check is told while it runs: call `live()` between steps to stop once nobody waits. */
export interface CheckContext {
  /** Throws a timeout error once the caller's deadline has passed. */
  live(): void;
  /** How long the check waited for its slot. */
  waitedMs: number;
}

interface Waiter {
  deadline: number | undefined;
  start: () => void;
  expire: () => void;
  timer?: NodeJS.Timeout;
}

const EWMA = 0.2;

/**
 * The caller's time ran out (`details.reason = deadline`): the check was abandoned, not failed, so
 * a caller may ask again at once (its own wait has just ended too).
 */
export function deadlinePassed(message: string): LookalikeError {
  return new LookalikeError(ErrorCode.Timeout, `the caller stopped waiting: ${message}`, {
    details: { reason: 'deadline' },
  });
}

/**
 * The ingest-time duplicate checks of one process, bounded: at most `concurrency` run, at most
 * `maxWaiting` wait. A check names the deadline its caller waits until. With a slot free it runs
 * at once; otherwise one that could not start and finish by then (from the duration of the recent
 * checks and its place in line) is refused at once with busy and a retry hint, one whose deadline
 * passes while it waits is dropped unrun, and a running one stops at its next `live()` once the
 * deadline has passed. So the service never works on answers nobody reads, and callers see busy
 * (back off) instead of a timeout.
 */
export class CheckQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private mean: number;
  /** Mean absolute deviation of the durations: admission plans for a slow check, not a typical one. */
  private deviation: number;
  private readonly now: () => number;

  constructor(private readonly options: CheckQueueOptions) {
    this.mean = options.initialEstimateMs ?? 200;
    this.deviation = this.mean / 2;
    this.now = options.now ?? Date.now;
  }

  get depth(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** A slow check's duration: the recent mean plus twice the mean deviation (both exponentially weighted), in ms. */
  get estimateMs(): number {
    return this.mean + 2 * this.deviation;
  }

  /** When a check queued now could expect to finish, in ms from now. */
  expectedFinishMs(): number {
    const { concurrency } = this.options;
    const slow = this.estimateMs;
    if (this.running < concurrency) return slow;
    // Slots free up about every mean/concurrency; this one starts after those ahead of it.
    return slow + (this.mean * (this.waiting.length + 1)) / concurrency;
  }

  async run<T>(deadline: number | undefined, work: (context: CheckContext) => Promise<T>): Promise<T> {
    const arrived = this.now();
    // A free slot always runs the check: the estimate only decides who may wait (and, were it
    // also to refuse idle slots, a slow spell would leave no check to bring the estimate down).
    if (this.running < this.options.concurrency) {
      this.running += 1;
    } else {
      if (this.waiting.length >= this.options.maxWaiting)
        throw this.busy('the duplicate check queue is full');
      if (deadline !== undefined && arrived + this.expectedFinishMs() > deadline) {
        throw this.busy('the duplicate check could not finish before the caller stops waiting');
      }
      await this.wait(deadline);
    }
    const started = this.now();
    const context: CheckContext = {
      waitedMs: started - arrived,
      live: () => {
        if (deadline !== undefined && this.now() > deadline)
          throw deadlinePassed('the check ran out of time');
      },
    };
    try {
      return await work(context);
    } finally {
      const took = this.now() - started;
      this.deviation = this.deviation * (1 - EWMA) + Math.abs(took - this.mean) * EWMA;
      this.mean = this.mean * (1 - EWMA) + took * EWMA;
      this.release();
    }
  }

  private wait(deadline: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        deadline,
        start: () => {
          if (waiter.timer) clearTimeout(waiter.timer);
          resolve();
        },
        expire: () => {
          const at = this.waiting.indexOf(waiter);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(deadlinePassed('the check could not start in time'));
        },
      };
      if (deadline !== undefined) {
        waiter.timer = setTimeout(waiter.expire, Math.max(0, deadline - this.now()));
        waiter.timer.unref();
      }
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
    if (next) next.start();
    else this.running -= 1;
  }

  private busy(message: string): LookalikeError {
    const retryAfterMs = Math.ceil(this.expectedFinishMs());
    return new LookalikeError(ErrorCode.Busy, message, {
      retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
      details: { retry_after_ms: retryAfterMs, ...this.depth },
    });
  }
}
