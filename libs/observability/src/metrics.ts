import {
  AggregatorRegistry,
  Counter,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
  collectDefaultMetrics,
  register,
} from 'prom-client';

/**
 * Process-wide metrics. In the embedded run mode every service module shares one process, so
 * metrics are created once and labelled by service rather than registered per module.
 */
export const metricsRegistry: Registry = register;

let defaultsStarted = false;

/**
 * Node's process metrics (CPU, memory, event-loop lag, GC) under `lookalike_`. `labels` tells
 * threads of one process apart: the embedded stack labels its main thread's `thread="main"` and
 * its gateway thread's `thread="gateway"`, so /metrics shows each thread's event loop and heap.
 */
export function startDefaultMetrics(labels?: Record<string, string>): void {
  if (defaultsStarted) {
    return;
  }
  defaultsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'lookalike_', labels });
}

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];
let peerMetrics: (() => Promise<unknown[]>) | undefined;

/**
 * Another thread's metrics (its `getMetricsAsJSON()`) to serve with this thread's: the embedded
 * gateway thread serves /metrics for the whole process.
 */
export function setPeerMetricsSource(source: (() => Promise<unknown[]>) | undefined): void {
  peerMetrics = source;
}

/** The /metrics body: this thread's registry, merged with the peer thread's when there is one. */
export async function metricsExposition(): Promise<string> {
  if (!peerMetrics) return metricsRegistry.metrics();
  const own = await metricsRegistry.getMetricsAsJSON();
  const peer = (await peerMetrics().catch(() => [])) as MetricsJson;
  // Series with the same name and labels add up (counters, histogram buckets); the threads' own
  // process metrics differ by their `thread` label and stay apart.
  return AggregatorRegistry.aggregate([own as MetricsJson, peer]).metrics();
}

function singleton<T>(name: string, create: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? create();
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function httpDurationHistogram(): Histogram<'service' | 'method' | 'route' | 'status'> {
  return singleton(
    'lookalike_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'lookalike_http_request_duration_seconds',
        help: 'HTTP request latency by route and status',
        labelNames: ['service', 'method', 'route', 'status'],
        buckets: latencyBuckets,
        registers: [metricsRegistry],
      }),
  );
}

export function rpcServerHistogram(): Histogram<'service' | 'subject' | 'outcome'> {
  return singleton(
    'lookalike_rpc_server_duration_seconds',
    () =>
      new Histogram({
        name: 'lookalike_rpc_server_duration_seconds',
        help: 'Time a service spent handling a request, by subject and outcome (ok or error code)',
        labelNames: ['service', 'subject', 'outcome'],
        buckets: latencyBuckets,
        registers: [metricsRegistry],
      }),
  );
}

export function rpcClientHistogram(): Histogram<'service' | 'subject' | 'outcome'> {
  return singleton(
    'lookalike_rpc_client_duration_seconds',
    () =>
      new Histogram({
        name: 'lookalike_rpc_client_duration_seconds',
        help: 'Round-trip time of requests a service sent, by subject and outcome',
        labelNames: ['service', 'subject', 'outcome'],
        buckets: latencyBuckets,
        registers: [metricsRegistry],
      }),
  );
}

/** A counter shared by name; services use it for outcomes such as ingest results. */
export function outcomeCounter(name: string, help: string, labelNames: string[]): Counter<string> {
  return singleton(name, () => new Counter({ name, help, labelNames, registers: [metricsRegistry] }));
}
