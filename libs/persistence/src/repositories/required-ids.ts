import { LookalikeError } from '@lookalike/contracts';

/**
 * TypeORM drops `undefined` from a where clause, so a lookup by an undefined owner would match any
 * owner's row. Every lookup checks its keys first.
 */
export function requireIds(ids: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(ids)) {
    if (typeof value !== 'string' || value.length === 0) {
      throw LookalikeError.invalid(`${name} is required`, { field: name });
    }
  }
}
