import { setTimeout as sleep } from 'node:timers/promises';
import { QdrantClient } from '@qdrant/js-client-rest';
import { LookalikeError } from '@lookalike/contracts';

/** The Qdrant REST operations the adapter uses, named by their OpenAPI operationId. */
export type QdrantOperationId =
  | 'collection_exists'
  | 'get_collection'
  | 'create_collection'
  | 'update_collection'
  | 'create_vector_name'
  | 'create_field_index'
  | 'upsert_points'
  | 'update_vectors'
  | 'delete_points'
  | 'set_payload'
  | 'scroll_points'
  | 'count_points'
  | 'query_points'
  | 'query_batch_points';

export interface QdrantCall {
  operation: QdrantOperationId;
  collection: string;
  /** Path parameter of create_vector_name. */
  vectorName?: string;
  /** `wait` query parameter of write operations. */
  wait?: boolean;
  body?: Record<string, unknown>;
}

/** The edge of the adapter: sends one request and returns the `result` of Qdrant's answer. */
export interface QdrantTransport {
  call(call: QdrantCall): Promise<unknown>;
}

export interface QdrantRetryOptions {
  /** Attempts in all, the first included. Default 4. */
  attempts: number;
  /** First backoff in ms, doubled per retry with jitter. Default 100. */
  baseDelayMs: number;
  /** Longest backoff in ms. Default 2000. */
  maxDelayMs: number;
}

export interface QdrantClientTransportOptions {
  url: string;
  apiKey?: string;
  /** Per-request timeout in ms (client side, AbortSignal). Default 10000. */
  timeoutMs?: number;
  retry?: Partial<QdrantRetryOptions>;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

interface HttpishError {
  status?: number;
  data?: { status?: { error?: string } };
  retry_after?: number;
  name?: string;
  message?: string;
}

function describe(error: unknown): string {
  const e = error as HttpishError;
  return e?.data?.status?.error ?? e?.message ?? String(error);
}

/** Whether another attempt may succeed: network failures, timeouts, overload, 5xx. */
export function isRetryable(error: unknown): boolean {
  const e = error as HttpishError;
  if (typeof e?.status === 'number') return RETRYABLE_STATUS.has(e.status);
  // fetch failures (ECONNREFUSED, resets) and client-side timeouts carry no status.
  return true;
}

/** Maps what the client throws to the typed errors services understand. */
export function toLookalikeError(error: unknown, call: QdrantCall): LookalikeError {
  if (error instanceof LookalikeError) return error;
  const e = error as HttpishError;
  const what = `qdrant ${call.operation} on ${call.collection}: ${describe(error)}`;
  const cause = { cause: error };
  if (e?.name === 'QdrantClientTimeoutError') return new LookalikeError('timeout', what, cause);
  switch (e?.status) {
    case 400:
    case 422:
      return new LookalikeError('invalid_argument', what, cause);
    case 404:
      return new LookalikeError('not_found', what, cause);
    case 409:
      return new LookalikeError('conflict', what, cause);
    case 429:
      return new LookalikeError('busy', what, { ...cause, retryAfterSeconds: e.retry_after ?? 1 });
    case undefined:
      return new LookalikeError('unavailable', what, { ...cause, retryAfterSeconds: 1 });
    default:
      return new LookalikeError('unavailable', what, { ...cause, retryAfterSeconds: 1 });
  }
}

export type QdrantApiMethod = (args: Record<string, unknown>) => Promise<{ data: { result?: unknown } }>;

function camel(op: string): string {
  return op.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Sends calls through @qdrant/js-client-rest's generated API (which splits path, query and
 * body parameters), with a timeout per attempt and retries with exponential backoff. Every
 * operation the adapter uses is idempotent (deterministic ids, filter-selected writes), so
 * retrying a write that may have been applied is safe.
 */
export class QdrantClientTransport implements QdrantTransport {
  private readonly api: Record<string, QdrantApiMethod>;
  private readonly retry: QdrantRetryOptions;

  constructor(options: QdrantClientTransportOptions, api?: Record<string, QdrantApiMethod>) {
    this.retry = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2000, ...(options.retry ?? {}) };
    this.api =
      api ??
      (new QdrantClient({
        url: options.url,
        apiKey: options.apiKey,
        timeout: options.timeoutMs ?? 10_000,
        checkCompatibility: false,
      }).api() as unknown as Record<string, QdrantApiMethod>);
  }

  async call(call: QdrantCall): Promise<unknown> {
    const method = this.api[camel(call.operation)];
    if (!method) throw new LookalikeError('internal', `the qdrant client has no ${call.operation} operation`);
    const args: Record<string, unknown> = { ...(call.body ?? {}), collection_name: call.collection };
    if (call.vectorName !== undefined) args.vector_name = call.vectorName;
    if (call.wait !== undefined) args.wait = call.wait;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await method(args);
        return response.data.result;
      } catch (error) {
        if (attempt >= this.retry.attempts || !isRetryable(error)) throw toLookalikeError(error, call);
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        const retryAfterMs = ((error as HttpishError).retry_after ?? 0) * 1000;
        await sleep(Math.max(retryAfterMs, backoff * (0.5 + Math.random() / 2)));
      }
    }
  }
}
