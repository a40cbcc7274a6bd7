import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@lookalike/observability';

const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];

function single<T>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * The ingest-time check from its arrival to its answer (queue wait included), by outcome: ok,
 * busy (refused: the queue was full or it could not finish in time), timeout (its caller stopped
 * waiting), not_found, error. One per process: the embedded run mode shares the registry.
 */
export function checkDurationHistogram(): Histogram<'outcome'> {
  return single(
    'lookalike_dedup_check_duration_seconds',
    () =>
      new Histogram({
        name: 'lookalike_dedup_check_duration_seconds',
        help: 'Ingest-time duplicate checks from arrival to answer (queue wait included), by outcome',
        labelNames: ['outcome'],
        buckets,
        registers: [metricsRegistry],
      }),
  );
}

export function checkQueueWaitHistogram(): Histogram {
  return single(
    'lookalike_dedup_check_queue_wait_seconds',
    () =>
      new Histogram({
        name: 'lookalike_dedup_check_queue_wait_seconds',
        help: 'Time an ingest-time duplicate check waited for a slot',
        buckets,
        registers: [metricsRegistry],
      }),
  );
}

/** Checks running and waiting, read at scrape time from `depth`. */
export function checkQueueGauge(depth: () => { running: number; waiting: number }): Gauge<'state'> {
  const name = 'lookalike_dedup_check_queue_depth';
  const existing = metricsRegistry.getSingleMetric(name) as Gauge<'state'> | undefined;
  if (existing) metricsRegistry.removeSingleMetric(name);
  return new Gauge({
    name,
    help: 'Ingest-time duplicate checks of this process by state (running, waiting)',
    labelNames: ['state'],
    registers: [metricsRegistry],
    collect() {
      const now = depth();
      this.set({ state: 'running' }, now.running);
      this.set({ state: 'waiting' }, now.waiting);
    },
  });
}

/**
 * Feature files read for pair verification, by where they came from: `memory` (the
 * DEDUP_FEATURE_CACHE_MB cache) or `store`; read at scrape time from `reads`.
 */
export function featureFileReadsCounter(reads: () => { hits: number; misses: number }): Counter<'from'> {
  const name = 'lookalike_dedup_feature_file_reads_total';
  if (metricsRegistry.getSingleMetric(name)) metricsRegistry.removeSingleMetric(name);
  let counted = { hits: 0, misses: 0 };
  return new Counter({
    name,
    help: 'Local-feature files read for pair verification, by where they came from (memory, store)',
    labelNames: ['from'],
    registers: [metricsRegistry],
    collect() {
      const now = reads();
      this.inc({ from: 'memory' }, Math.max(0, now.hits - counted.hits));
      this.inc({ from: 'store' }, Math.max(0, now.misses - counted.misses));
      counted = now;
    },
  });
}
