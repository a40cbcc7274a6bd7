import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { StoredPayload } from '../core/payload.codec';
import type { CollectionState } from '../core/collection-schema';
import type { MemoryPoint } from '../memory/tenant-rows';

/** A point as the durable copy holds it: the stored payload and the vectors as raw float32 bytes. */
interface PointRecord {
  p: StoredPayload;
  v: [string, Uint8Array][];
  m: [string, Uint8Array[]][];
}

export interface DurablePoint {
  owner: string;
  point: Omit<MemoryPoint, 'createdMs'>;
}

const SPEC_KEY = 'collection';

const bytesOf = (f: Float32Array): Uint8Array => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);

/** A copy, so the floats are aligned and own their memory (the record's buffer is reused). */
function floatsOf(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Owner and point id in one key; NUL cannot appear in either (ids are UUIDs, owners are checked). */
const keyOf = (owner: string, id: string): string => `${owner}\u0000${id}`;

/**
 * The embedded index's durable copy: every point (payload and vectors) in an LMDB environment
 * (`lmdb`, a memory-mapped B+tree with ACID transactions). A write costs O(log n) whatever the
 * collection holds: the LanceDB table it replaces paid for every fragment on each single-row
 * write and rewrote the whole table at each compaction, so the cost per upload grew with the
 * collection (docs/vector-store.md, "Durable copy"). A committed write is on disk before the
 * promise resolves, so it survives kill -9; the reads at start are one ordered scan.
 */
export class DurablePoints {
  private readonly root: RootDatabase;
  private readonly points: Database<PointRecord, string>;
  private readonly meta: Database<CollectionState, string>;

  constructor(readonly path: string) {
    this.root = open({ path, compression: false, maxDbs: 4 });
    this.points = this.root.openDB<PointRecord, string>({ name: 'points' });
    this.meta = this.root.openDB<CollectionState, string>({ name: 'meta' });
  }

  /** Where a folder keeps it. */
  static pathIn(dir: string, collection: string): string {
    return join(dir, `${collection}.lmdb`);
  }

  static existsIn(dir: string, collection: string): boolean {
    return existsSync(DurablePoints.pathIn(dir, collection));
  }

  spec(): CollectionState | undefined {
    return this.meta.get(SPEC_KEY);
  }

  async saveSpec(state: CollectionState): Promise<void> {
    await this.meta.put(SPEC_KEY, state);
  }

  /** Stores (or replaces) whole points in one transaction. */
  async put(points: readonly DurablePoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.points.transaction(() => {
      for (const { owner, point } of points) {
        void this.points.put(keyOf(owner, point.id), {
          p: point.payload,
          v: [...point.vectors].map(([name, f]) => [name, bytesOf(f)]),
          m: [...point.multivectors].map(([name, list]) => [name, list.map(bytesOf)]),
        });
      }
    });
  }

  async remove(owner: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.points.transaction(() => {
      for (const id of ids) void this.points.remove(keyOf(owner, id));
    });
  }

  /** Every point, in key order (tenant by tenant), `batch` at a time. */
  *scan(batch = 1000): Generator<DurablePoint[]> {
    let out: DurablePoint[] = [];
    for (const { key, value } of this.points.getRange()) {
      const cut = key.indexOf('\u0000');
      out.push({
        owner: key.slice(0, cut),
        point: {
          id: key.slice(cut + 1),
          payload: value.p,
          vectors: new Map(value.v.map(([name, bytes]) => [name, floatsOf(bytes)])),
          multivectors: new Map(value.m.map(([name, list]) => [name, list.map(floatsOf)])),
        },
      });
      if (out.length >= batch) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  }

  count(): number {
    return this.points.getCount();
  }

  /** Bytes the environment's file takes (the map grows in steps; freed pages are reused). */
  sizeBytes(): number {
    const stats = this.root.getStats() as { pageSize?: number; lastPageNumber?: number };
    return (stats.pageSize ?? 0) * ((stats.lastPageNumber ?? 0) + 1);
  }

  async close(): Promise<void> {
    await this.root.close();
  }
}
