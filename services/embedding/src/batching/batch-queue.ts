import { ErrorCode, LookalikeError } from '@lookalike/contracts';

export interface BatchQueueOptions {
  /** Label used in errors and metrics (image, text, nsfw). */
  name: string;
  /** Most items one model call takes (BATCH_SIZE). */
  maxBatchSize: number;
  /** How long the first item of a partial batch waits for company before the batch runs anyway. */
  maxWaitMs: number;
  /** Items admitted but not yet handed to the model (EMBED_QUEUE_MAX); beyond it callers get `busy`. */
  maxQueued: number;
  /** Batches running at once; 1 lets the model use every core for one batch. */
  concurrency?: number;
}

export interface BatchQueueHooks {
  onDepth?(depth: number): void;
  onBatch?(size: number, seconds: number): void;
  onReject?(reason: 'busy' | 'timeout'): void;
}

interface Entry<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
  ticket: Ticket<I, O>;
}

/**
 * Room reserved in the queue for one request's items. Admission happens before the (costly)
 * decoding, so an overloaded service says `busy` at once instead of decoding work it will drop.
 */
export class Ticket<I, O> {
  private reserved: number;
  private expired: LookalikeError | undefined;

  constructor(
    private readonly queue: BatchQueue<I, O>,
    count: number,
  ) {
    this.reserved = count;
  }

  /** Hands the prepared items to the batcher; resolves with one output per item, in order. */
  submit(items: readonly I[]): Promise<O[]> {
    if (this.expired) return Promise.reject(this.expired);
    if (items.length > this.reserved) {
      throw new RangeError(`ticket holds ${this.reserved} slots, ${items.length} items submitted`);
    }
    this.reserved -= items.length;
    return this.queue.enqueue(this, items);
  }

  /** Gives back slots that will not be used (a request that failed while decoding). */
  release(): void {
    this.queue.unreserve(this.reserved);
    this.reserved = 0;
  }

  /** Abandons the request: its queued items are dropped, late results are discarded. */
  expire(error: LookalikeError): void {
    if (this.expired) return;
    this.expired = error;
    this.release();
    this.queue.drop(this, error);
  }

  get isExpired(): boolean {
    return this.expired !== undefined;
  }
}

/**
 * A bounded queue that coalesces single items from concurrent requests into model batches of up to
 * `maxBatchSize`, waiting at most `maxWaitMs` for a batch to fill.
 */
export class BatchQueue<I, O> {
  private readonly pending: Entry<I, O>[] = [];
  private reservedSlots = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly concurrency: number;
  /** Exponential moving average of seconds per batch, for Retry-After. */
  private batchSeconds = 0.1;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<O[]>,
    readonly options: BatchQueueOptions,
    private readonly hooks: BatchQueueHooks = {},
  ) {
    if (options.maxBatchSize < 1 || options.maxQueued < 1)
      throw new RangeError('batch size and queue bound must be positive');
    this.concurrency = options.concurrency ?? 1;
  }

  /** Items admitted and not yet running (reserved for decoding or waiting for a batch). */
  get depth(): number {
    return this.reservedSlots + this.pending.length;
  }

  /**
   * Reserves room for `count` items or throws `busy` (with Retry-After) when the queue is full, and
   * `invalid_argument` when one request alone is larger than the whole queue.
   */
  admit(count: number): Ticket<I, O> {
    if (this.closed)
      throw new LookalikeError(ErrorCode.Unavailable, `the ${this.options.name} queue is shutting down`);
    if (count > this.options.maxQueued) {
      throw LookalikeError.invalid(
        `${count} ${this.options.name} items in one request exceed the queue bound of ${this.options.maxQueued}; split the request`,
        { count, max: this.options.maxQueued },
      );
    }
    if (this.depth + count > this.options.maxQueued) {
      this.hooks.onReject?.('busy');
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil(((this.depth / this.options.maxBatchSize) * this.batchSeconds) / this.concurrency),
      );
      throw new LookalikeError(
        ErrorCode.Busy,
        `the embedding ${this.options.name} queue is full (${this.depth} of ${this.options.maxQueued} items); retry in ${retryAfterSeconds} s`,
        {
          retryAfterSeconds,
          details: { queue: this.options.name, depth: this.depth, max: this.options.maxQueued },
        },
      );
    }
    this.reservedSlots += count;
    this.hooks.onDepth?.(this.depth);
    return new Ticket(this, count);
  }

  /** Admits and submits in one step, for items that need no preparation. */
  run(items: readonly I[]): Promise<O[]> {
    return this.admit(items.length).submit(items);
  }

  /** Rejects new work and fails what is still waiting; batches already running finish. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const error = new LookalikeError(
      ErrorCode.Unavailable,
      `the ${this.options.name} queue is shutting down`,
    );
    for (const entry of this.pending.splice(0)) entry.reject(error);
    this.hooks.onDepth?.(this.depth);
  }

  /** @internal Used by Ticket. */
  enqueue(ticket: Ticket<I, O>, items: readonly I[]): Promise<O[]> {
    this.reservedSlots -= items.length;
    const promises = items.map(
      (item) =>
        new Promise<O>((resolve, reject) => {
          this.pending.push({ item, resolve, reject, ticket });
        }),
    );
    this.hooks.onDepth?.(this.depth);
    this.schedule();
    return Promise.all(promises);
  }

  /** @internal Used by Ticket. */
  unreserve(count: number): void {
    this.reservedSlots -= count;
    this.hooks.onDepth?.(this.depth);
  }

  /** @internal Used by Ticket. */
  drop(ticket: Ticket<I, O>, error: LookalikeError): void {
    let dropped = 0;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (this.pending[i].ticket === ticket) {
        this.pending[i].reject(error);
        this.pending.splice(i, 1);
        dropped += 1;
      }
    }
    if (dropped > 0) this.hooks.onDepth?.(this.depth);
    this.hooks.onReject?.('timeout');
  }

  private schedule(): void {
    if (this.closed) return;
    while (this.running < this.concurrency && this.pending.length >= this.options.maxBatchSize)
      this.dispatch();
    if (this.running >= this.concurrency || this.pending.length === 0) return;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.running < this.concurrency && this.pending.length > 0) this.dispatch();
      }, this.options.maxWaitMs);
    }
  }

  private dispatch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.pending.splice(0, this.options.maxBatchSize);
    this.running += 1;
    this.hooks.onDepth?.(this.depth);
    const started = process.hrtime.bigint();
    void this.execute(batch).finally(() => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.batchSeconds = this.batchSeconds * 0.8 + seconds * 0.2;
      this.hooks.onBatch?.(batch.length, seconds);
      this.running -= 1;
      // Items that arrived while the model was busy have waited long enough: run them now.
      if (this.pending.length > 0 && this.running < this.concurrency) this.dispatch();
      else this.schedule();
    });
  }

  private async execute(batch: Entry<I, O>[]): Promise<void> {
    try {
      const outputs = await this.runBatch(batch.map((e) => e.item));
      if (outputs.length !== batch.length) {
        throw new LookalikeError(
          ErrorCode.Internal,
          `the ${this.options.name} model returned ${outputs.length} outputs for ${batch.length} inputs`,
        );
      }
      batch.forEach((entry, i) => entry.resolve(outputs[i]));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
