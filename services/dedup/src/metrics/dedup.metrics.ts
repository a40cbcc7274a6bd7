import { Gauge, Histogram } from 'prom-client';
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
