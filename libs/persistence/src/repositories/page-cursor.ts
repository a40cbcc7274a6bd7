import { LookalikeError } from '@lookalike/contracts';

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function pageSize(limit: number | undefined): number {
  const size = limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw LookalikeError.invalid(`limit must be an integer in 1..${MAX_PAGE_SIZE}`, { limit });
  }
  return size;
}

/** Opaque to clients: the (created_at, id) of the last row of the previous page. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt.getTime()}.${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const match = /^(\d{1,15})\.([0-9A-Za-z]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw LookalikeError.invalid('cursor is malformed');
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}

/** Builds a page from limit + 1 rows read newest first. */
export function toPage<T>(rows: T[], limit: number, position: (row: T) => CursorPosition): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(position(last)) : null };
}
