/**
 * What travels on the job queue: only the job's identity. State, payload and progress live in the
 * SQL `jobs` row (a claim check), so a message is tiny and a replay reads the current truth.
 */
export interface JobEnvelope {
  jobId: string;
  ownerUserId: string;
  kind: string;
}

export interface JobDelivery {
  envelope: JobEnvelope;
  /** 1 on the first delivery, more after a crash or a retry. */
  deliveryCount: number;
  /** Tells the queue the handler is alive, so the message is not redelivered meanwhile. */
  working(): void;
}

/** `ack`: done with this message; `retry`: deliver it again after the delay. */
export type JobOutcome = { ack: true } | { retryAfterMs: number };

export type JobHandler = (delivery: JobDelivery) => Promise<JobOutcome>;

export interface JobConsumerOptions {
  /** Messages handled at once by this process. */
  concurrency: number;
}

export interface JobConsumer {
  /** Stops taking messages and waits for the handlers in flight. */
  stop(): Promise<void>;
}

/**
 * Durable delivery of job messages, at least once: a message stays until a handler acks it, and
 * one whose handler throws (or whose process dies) is delivered again, so handlers must be
 * idempotent. Implementations: JetStream (distributed) and an in-process queue (embedded).
 */
export interface JobQueue {
  readonly kind: 'jetstream' | 'in-process';
  publish(envelope: JobEnvelope): Promise<void>;
  consume(kind: string, handler: JobHandler, options: JobConsumerOptions): Promise<JobConsumer>;
  close(): Promise<void>;
}

export const JOB_QUEUE = 'LOOKALIKE_JOB_QUEUE';

/** Backoff after a handler failure: 1 s, 2 s, 4 s ... capped at 30 s. */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, deliveryCount - 1));
}

export function isJobEnvelope(value: unknown): value is JobEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.jobId === 'string' && typeof v.ownerUserId === 'string' && typeof v.kind === 'string';
}
