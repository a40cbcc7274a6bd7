import type { ValueTransformer } from 'typeorm';

/** bigint comes back from pg as a string; sizes here stay far below 2^53. */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * Timestamps are stored with millisecond precision (timestamptz(3)) so a value read into a JS Date
 * and sent back (in a cursor, say) compares equal to the stored one.
 */
export const TIMESTAMP = { type: 'timestamptz', precision: 3 } as const;

/** CHECK expression limiting a column to a fixed set of values (shared by entities and migrations). */
export function oneOf(column: string, values: readonly string[]): string {
  return `"${column}" IN (${values.map((value) => `'${value}'`).join(', ')})`;
}
