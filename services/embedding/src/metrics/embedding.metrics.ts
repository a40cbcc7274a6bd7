import { Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { BatchQueueHooks } from '../batching/batch-queue';

export type QueueName = 'image' | 'text' | 'nsfw';

/**
 * The embedding service's Prometheus metrics. They live in their own registry unless one is given,
 * so several instances (tests, the embedded single-process mode) never collide; the module merges
 * `registry` into the service's /metrics.
 */
export class EmbeddingMetrics {
  readonly registry: Registry;
  readonly queueDepth: Gauge<'queue'>;
  readonly batchSize: Histogram<'queue'>;
  readonly inferenceSeconds: Histogram<'queue'>;
  readonly itemsTotal: Counter<'queue'>;
  readonly rejectedTotal: Counter<'queue' | 'reason'>;
  readonly throughput: Gauge<'queue'>;
  readonly requestSeconds: Histogram<'kind' | 'outcome'>;

  constructor(registry?: Registry) {
    this.registry = registry ?? new Registry();
    const registers = [this.registry];
    this.queueDepth = new Gauge({
      name: 'lookalike_embedding_queue_depth',
      help: 'Items admitted and waiting for a model batch (reserved for decoding or queued)',
      labelNames: ['queue'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'lookalike_embedding_batch_size',
      help: 'Items per model call',
      labelNames: ['queue'],
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    this.inferenceSeconds = new Histogram({
      name: 'lookalike_embedding_inference_seconds',
      help: 'Duration of one model call (a whole batch)',
      labelNames: ['queue'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.itemsTotal = new Counter({
      name: 'lookalike_embedding_items_total',
      help: 'Images, crops or texts embedded; rate() gives items per second',
      labelNames: ['queue'],
      registers,
    });
    this.rejectedTotal = new Counter({
      name: 'lookalike_embedding_rejected_total',
      help: 'Items refused because the queue was full (busy) or their request timed out',
      labelNames: ['queue', 'reason'],
      registers,
    });
    this.throughput = new Gauge({
      name: 'lookalike_embedding_items_per_second',
      help: 'Items per second of model time in the last batch',
      labelNames: ['queue'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'lookalike_embedding_request_seconds',
      help: 'Whole embed requests: fetch, decode, queue wait and inference',
      labelNames: ['kind', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  /** Hooks that feed one batch queue's numbers into these metrics. */
  hooksFor(queue: QueueName): BatchQueueHooks {
    return {
      onDepth: (depth) => this.queueDepth.set({ queue }, depth),
      onBatch: (size, seconds) => {
        this.batchSize.observe({ queue }, size);
        this.inferenceSeconds.observe({ queue }, seconds);
        this.itemsTotal.inc({ queue }, size);
        if (seconds > 0) this.throughput.set({ queue }, size / seconds);
      },
      onReject: (reason) => this.rejectedTotal.inc({ queue, reason }),
    };
  }
}
