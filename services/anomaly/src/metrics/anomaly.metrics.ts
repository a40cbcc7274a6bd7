import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@lookalike/observability';

function single<T>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

const lagBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 7.5, 10, 15, 30, 60, 120];

/**
 * How far behind the ingest-time scores run: from the scoring queue taking an uploaded image to
 * its scores being in SQL (the review queue, `images.anomaly_score`). ANOMALY_MAX_LAG_MS bounds it.
 */
export function scoreLagHistogram(): Histogram {
  return single(
    'lookalike_anomaly_score_lag_seconds',
    () =>
      new Histogram({
        name: 'lookalike_anomaly_score_lag_seconds',
        help: 'From the anomaly scoring queue taking an uploaded image to its anomaly scores being in SQL',
        buckets: lagBuckets,
        registers: [metricsRegistry],
      }),
  );
}

/**
 * The same up to the vector payload's `anomaly_score` (min_anomaly filters): the score lag plus
 * the flush window (ANOMALY_PAYLOAD_FLUSH_MS) plus the vector store's write time.
 */
export function payloadLagHistogram(): Histogram {
  return single(
    'lookalike_anomaly_payload_lag_seconds',
    () =>
      new Histogram({
        name: 'lookalike_anomaly_payload_lag_seconds',
        help: 'From the anomaly scoring queue taking an uploaded image to its score being in the vector payload',
        buckets: lagBuckets,
        registers: [metricsRegistry],
      }),
  );
}

/** One coalesced pass: its duration and how many new images it scored. */
export function scorePassHistograms(): { seconds: Histogram; images: Histogram } {
  return {
    seconds: single(
      'lookalike_anomaly_score_pass_seconds',
      () =>
        new Histogram({
          name: 'lookalike_anomaly_score_pass_seconds',
          help: 'Duration of one ingest-time anomaly scoring pass (a tenant batch and its neighbours)',
          buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
          registers: [metricsRegistry],
        }),
    ),
    images: single(
      'lookalike_anomaly_score_pass_images',
      () =>
        new Histogram({
          name: 'lookalike_anomaly_score_pass_images',
          help: 'New images scored by one ingest-time anomaly scoring pass',
          buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
          registers: [metricsRegistry],
        }),
    ),
  };
}

/** Vector-store writes of anomaly scores (one `setPayload` per score value in a flush). */
export function payloadWritesCounter(): Counter {
  return single(
    'lookalike_anomaly_payload_writes_total',
    () =>
      new Counter({
        name: 'lookalike_anomaly_payload_writes_total',
        help: 'Vector payload writes of anomaly scores (one per distinct score value in a flush)',
        registers: [metricsRegistry],
      }),
  );
}

/** The scoring queue of this process, read at scrape time: images by state, and the oldest one's age. */
export function backlogGauges(read: () => { pending: number; inFlight: number; lagMs: number }): void {
  for (const name of ['lookalike_anomaly_score_queue_images', 'lookalike_anomaly_score_oldest_seconds']) {
    if (metricsRegistry.getSingleMetric(name)) metricsRegistry.removeSingleMetric(name);
  }
  new Gauge({
    name: 'lookalike_anomaly_score_queue_images',
    help: 'Images waiting for their ingest-time anomaly score in this process, by state (pending, in_flight)',
    labelNames: ['state'],
    registers: [metricsRegistry],
    collect() {
      const now = read();
      this.set({ state: 'pending' }, now.pending);
      this.set({ state: 'in_flight' }, now.inFlight);
    },
  });
  new Gauge({
    name: 'lookalike_anomaly_score_oldest_seconds',
    help: 'Age of the oldest image of this process still waiting for its anomaly score (the live lag)',
    registers: [metricsRegistry],
    collect() {
      this.set(read().lagMs / 1000);
    },
  });
}
