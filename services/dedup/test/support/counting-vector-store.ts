import type { VectorFilter, VectorStore } from '@lookalike/vector-store';

/** The port's methods that change the collection. */
export const WRITE_METHODS: readonly string[] = ['upsert', 'updateVectors', 'delete', 'setPayload'];

/** Filter fields that pick points by identity or hash (an indexed lookup, not a tenant read). */
const NARROWING: readonly (keyof VectorFilter)[] = ['imageIds', 'ids', 'sha256', 'phashChunks'];

export interface StoreCall {
  method: string;
  /** Source or target ids of the call (get, setPayload, delete, neighbours). */
  ids?: number;
  /** Vector searches the call makes: 1 per search, 1 per source of neighbours. */
  searches: number;
  /** A read that is not narrowed to chosen points (unfiltered scroll, neighbours of every point). */
  tenantWide: boolean;
  limit?: number;
  paged?: boolean;
  /** How long the call took (set when it settles). */
  ms?: number;
}

function narrowed(filter: VectorFilter | undefined): boolean {
  return (
    !!filter &&
    NARROWING.some((key) => {
      const value = filter[key];
      return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== '';
    })
  );
}

function describe(method: string, args: unknown[]): StoreCall {
  const request = (args[1] ?? {}) as Record<string, unknown>;
  switch (method) {
    case 'get':
    case 'delete':
    case 'setPayload':
      return { method, ids: (args[1] as readonly string[]).length, searches: 0, tenantWide: false };
    case 'neighbours': {
      const ids = request.ids as readonly string[] | undefined;
      return { method, ids: ids?.length, searches: ids?.length ?? Infinity, tenantWide: !ids };
    }
    case 'search':
    case 'searchMulti':
      return { method, searches: 1, tenantWide: false };
    case 'batchSearch':
      return { method, searches: (args[1] as unknown[]).length, tenantWide: false };
    case 'scroll':
      return {
        method,
        searches: 0,
        tenantWide: !narrowed(request.filter as VectorFilter | undefined),
        limit: request.limit as number,
        paged: !!request.cursor,
      };
    case 'count':
      return { method, searches: 0, tenantWide: !narrowed(args[1] as VectorFilter | undefined) };
    default:
      return { method, searches: 0, tenantWide: false };
  }
}

/**
 * Wraps a store at the port's edge and records every data call, so a test can count the writes
 * and the searches an operation costs and check that nothing reads a whole tenant.
 */
export function countingVectorStore(inner: VectorStore): { store: VectorStore; calls: StoreCall[] } {
  const calls: StoreCall[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (property === 'close' || property === 'ensureCollection') return result;
        const call = describe(property, args);
        calls.push(call);
        const started = performance.now();
        void Promise.resolve(result).then(
          () => (call.ms = performance.now() - started),
          () => (call.ms = performance.now() - started),
        );
        return result;
      };
    },
  });
  return { store, calls };
}

export function writesOf(calls: readonly StoreCall[]): number {
  return calls.filter((c) => WRITE_METHODS.includes(c.method)).length;
}

export function searchesOf(calls: readonly StoreCall[]): number {
  return calls.reduce((sum, c) => sum + c.searches, 0);
}
