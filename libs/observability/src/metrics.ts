import { Counter, Histogram, Registry, collectDefaultMetrics, register } from 'prom-client';

/**
 * Process-wide metrics. In the embedded run mode every service module shares one process, so
 * metrics are created once and labelled by service rather than registered per module.
 */
export const metricsRegistry: Registry = register;

let defaultsStarted = false;

export function startDefaultMetrics(): void {
  if (defaultsStarted) {
    return;
  }
  defaultsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'lookalike_' });
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
