import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` with the given request context visible to every call below it. */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's request id when it is well-formed, else makes a new one. */
export function acceptRequestId(candidate: unknown): string {
  if (typeof candidate === 'string' && requestIdPattern.test(candidate)) {
    return candidate;
  }
  return randomUUID();
}
