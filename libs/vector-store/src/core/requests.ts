import { LookalikeError } from '@lookalike/contracts';
import type { ScrollRequest } from '../vector-store.port';

export const MAX_LIMIT = 1000;
export const MAX_OFFSET = 10_000;
export const MAX_EF = 4096;

export function requireOwner(owner: string): string {
  if (typeof owner !== 'string' || owner.trim().length === 0) {
    throw LookalikeError.invalid('owner (tenant) is required for every vector store call');
  }
  return owner;
}

export function checkLimit(limit: number, field = 'limit', max = MAX_LIMIT): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw LookalikeError.invalid(`${field} must be an integer from 1 to ${max}`, { [field]: limit });
  }
  return limit;
}

export function checkOffset(offset: number | undefined): number {
  const o = offset ?? 0;
  if (!Number.isInteger(o) || o < 0 || o > MAX_OFFSET) {
    throw LookalikeError.invalid(`offset must be an integer from 0 to ${MAX_OFFSET}`, { offset });
  }
  return o;
}

export function checkEf(ef: number | undefined): number | undefined {
  if (ef === undefined) return undefined;
  if (!Number.isInteger(ef) || ef < 1 || ef > MAX_EF)
    throw LookalikeError.invalid(`ef must be an integer from 1 to ${MAX_EF}`, { ef });
  return ef;
}

export function checkThreshold(threshold: number | undefined): number | undefined {
  if (threshold === undefined) return undefined;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw LookalikeError.invalid('scoreThreshold must be a finite number');
  }
  return threshold;
}

export function checkIds(ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw LookalikeError.invalid('ids must be a list');
  for (const id of ids) {
    if (
      typeof id !== 'string' ||
      !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(id)
    ) {
      throw LookalikeError.invalid('point ids are UUIDs', { id });
    }
  }
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** Where a scroll page ended: keyset of (order value, id), plus ids already returned at that value. */
export interface ScrollCursor {
  /** Signature of the ordering the cursor belongs to. */
  order: string;
  /** Order value of the last point (epoch ms for created_at); absent for id order. */
  value?: number;
  id: string;
  /** Ids already returned whose order value equals `value` (engines that cannot key on id). */
  seen?: string[];
}

export function orderSignature(request: ScrollRequest): string {
  return request.orderBy ? `${request.orderBy.field}:${request.orderBy.direction}` : 'id:asc';
}

export function encodeCursor(cursor: ScrollCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string | undefined, order: string): ScrollCursor | undefined {
  if (text === undefined || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw LookalikeError.invalid('cursor is malformed');
  }
  const c = parsed as Partial<ScrollCursor> | null;
  if (c === null || typeof c !== 'object') throw LookalikeError.invalid('cursor is malformed');
  const valid =
    typeof c.order === 'string' &&
    typeof c.id === 'string' &&
    (c.value === undefined || (typeof c.value === 'number' && Number.isFinite(c.value))) &&
    (c.seen === undefined || (Array.isArray(c.seen) && c.seen.every((s) => typeof s === 'string')));
  if (!valid) throw LookalikeError.invalid('cursor is malformed');
  if (c.order !== order)
    throw LookalikeError.invalid('cursor belongs to a different ordering', { expected: order, got: c.order });
  checkIds([c.id as string]);
  return c as ScrollCursor;
}

export function checkOrderBy(request: ScrollRequest): void {
  if (!request.orderBy) return;
  const { field, direction } = request.orderBy;
  if (!['created_at', 'quality_score', 'nsfw_score', 'anomaly_score'].includes(field)) {
    throw LookalikeError.invalid('orderBy.field is not orderable', { field });
  }
  if (direction !== 'asc' && direction !== 'desc')
    throw LookalikeError.invalid('orderBy.direction must be asc or desc');
}
