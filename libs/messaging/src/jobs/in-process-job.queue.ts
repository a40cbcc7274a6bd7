import type { JobConsumer, JobConsumerOptions, JobEnvelope, JobHandler, JobQueue } from './job-queue.port';
import { retryDelayMs } from './job-queue.port';

interface Pending {
  envelope: JobEnvelope;
  deliveryCount: number;
}

interface KindState {
  ready: Pending[];
  wake: (() => void)[];
}

/**
 * The embedded mode's queue: messages live in memory, so they do not survive the process; the
 * JobRunner's start-up sweep re-publishes unfinished jobs from SQL, which is what makes embedded
 * jobs durable. Failed handlers are retried with backoff, like JetStream's nak.
 */
export class InProcessJobQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly kinds = new Map<string, KindState>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  publish(envelope: JobEnvelope): Promise<void> {
    this.push({ envelope, deliveryCount: 0 });
    return Promise.resolve();
  }

  consume(kind: string, handler: JobHandler, options: JobConsumerOptions): Promise<JobConsumer> {
    const state = this.state(kind);
    let running = true;
    const workers = Array.from({ length: Math.max(1, options.concurrency) }, async () => {
      while (running && !this.closed) {
        const next = state.ready.shift();
        if (!next) {
          await new Promise<void>((resolve) => state.wake.push(resolve));
          continue;
        }
        next.deliveryCount += 1;
        let delay: number | undefined;
        try {
          const outcome = await handler({
            envelope: next.envelope,
            deliveryCount: next.deliveryCount,
            working: () => undefined,
          });
          if ('retryAfterMs' in outcome) delay = outcome.retryAfterMs;
        } catch {
          delay = retryDelayMs(next.deliveryCount);
        }
        if (delay !== undefined) this.later(next, delay);
      }
    });
    return Promise.resolve({
      stop: async () => {
        running = false;
        for (const wake of state.wake.splice(0)) wake();
        await Promise.all(workers);
      },
    });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const state of this.kinds.values()) for (const wake of state.wake.splice(0)) wake();
    return Promise.resolve();
  }

  private later(pending: Pending, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.push(pending);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private push(pending: Pending): void {
    if (this.closed) return;
    const state = this.state(pending.envelope.kind);
    state.ready.push(pending);
    state.wake.shift()?.();
  }

  private state(kind: string): KindState {
    let state = this.kinds.get(kind);
    if (!state) {
      state = { ready: [], wake: [] };
      this.kinds.set(kind, state);
    }
    return state;
  }
}
