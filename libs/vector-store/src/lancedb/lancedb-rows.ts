import { connect } from '@lancedb/lancedb';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredPayload } from '../core/payload.codec';
import type { NamedVectorDescription } from '../vector-store.port';
import { PAYLOAD_COLUMN_NAMES, PAYLOAD_COLUMNS } from './lancedb-schema';

export type Row = Record<string, unknown>;

/** Reads arrow values (Vector, typed array, plain array) into a Float32Array. */
export function toFloat32(value: unknown): Float32Array | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Float32Array) return Float32Array.from(value);
  const v = value as { toArray?: () => ArrayLike<number> };
  if (typeof v.toArray === 'function') return Float32Array.from(v.toArray());
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  return undefined;
}

export function toCrops(value: unknown): Float32Array[] | undefined {
  if (value === null || value === undefined) return undefined;
  const out: Float32Array[] = [];
  for (const item of value as Iterable<unknown>) {
    const f = toFloat32(item);
    if (f) out.push(f);
  }
  return out;
}

function toStrings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  const v = value as { toArray?: () => unknown[] };
  const arr = typeof v.toArray === 'function' ? v.toArray() : (value as unknown[]);
  return Array.from(arr).filter((x): x is string => typeof x === 'string');
}

/** A table row's payload columns as the stored payload (list columns as string arrays). */
export function rowPayload(row: Row): StoredPayload {
  return {
    ...(row as unknown as StoredPayload),
    tags: toStrings(row.tags),
    quality_flags: toStrings(row.quality_flags),
    phash_chunks: toStrings(row.phash_chunks),
  };
}

const STORED_FIELDS = PAYLOAD_COLUMNS.map(([name]) => name).filter((n) => n !== 'created_at_ms');

/**
 * Only the payload fields of a row, as plain values: a row object also holds its vector columns,
 * whose arrow buffers a long-lived copy must not keep alive.
 */
export function storedPayloadOf(row: Row): StoredPayload {
  const out: Record<string, unknown> = {};
  for (const name of STORED_FIELDS) out[name] = row[name];
  return rowPayload(out);
}

export interface ScannedRow {
  id: string;
  payload: StoredPayload;
  vectors: Map<string, Float32Array>;
  multivectors: Map<string, Float32Array[]>;
}

/**
 * Every row of a collection's table with every named vector, batch by batch, through a
 * connection of its own (reads only): how an in-memory index loads its durable copy at start.
 * Yields nothing when the table does not exist.
 */
export async function* scanLanceTable(
  dir: string,
  collection: string,
  vectors: readonly NamedVectorDescription[],
): AsyncGenerator<ScannedRow[]> {
  if (!existsSync(join(dir, `${collection}.lance`))) return;
  const db = await connect(dir);
  try {
    const table = await db.openTable(collection);
    try {
      const columns = [...PAYLOAD_COLUMN_NAMES, ...vectors.map((v) => v.name)];
      for await (const batch of table.query().select(columns)) {
        const out: ScannedRow[] = [];
        for (const row of batch.toArray() as Row[]) {
          const point: ScannedRow = {
            id: row.id as string,
            payload: storedPayloadOf(row),
            vectors: new Map(),
            multivectors: new Map(),
          };
          for (const v of vectors) {
            if (v.kind === 'global') {
              const f = toFloat32(row[v.name]);
              if (f) point.vectors.set(v.name, f);
            } else {
              const c = toCrops(row[v.name]);
              if (c) point.multivectors.set(v.name, c);
            }
          }
          out.push(point);
        }
        yield out;
      }
    } finally {
      table.close();
    }
  } finally {
    db.close();
  }
}
