import { ErrorCode, LookalikeError } from '@lookalike/contracts';

/**
 * Bounds the ingests running at once; callers past `queueMax` waiting get a typed busy error
 * (503 + Retry-After at the gateway) instead of an unbounded queue.
 */
export class IngestLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueMax: number,
  ) {}

  get depth(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueMax) {
        throw new LookalikeError(ErrorCode.Busy, 'the ingest queue is full; retry shortly', {
          retryAfterSeconds: 2,
          details: { queued: this.waiting.length },
        });
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `running` only drops when nobody waits.
      if (next) next();
      else this.running -= 1;
    }
  }
}
