import { pointIdFor } from '../core/point-id';
import { normalizeFilter } from '../filter/vector-filter';
import type { StoredPayload } from '../core/payload.codec';
import { TenantRows, type MemoryPoint } from './tenant-rows';

const OWNER = 'alice';

function point(n: number, phash_chunks: string[]): MemoryPoint {
  const sha256 = n.toString(16).padStart(64, '0');
  return {
    id: pointIdFor(OWNER, sha256),
    payload: { image_id: `img-${n}`, owner_user_id: OWNER, sha256, phash_chunks } as StoredPayload,
    createdMs: 0,
    vectors: new Map(),
    multivectors: new Map(),
  };
}

describe('TenantRows', () => {
  const rows = new TenantRows(OWNER);
  const a = point(1, ['0:aaaa', '1:bbbb']);
  const b = point(2, ['0:aaaa', '1:cccc']);
  const c = point(3, ['0:dddd']);
  for (const p of [a, b, c]) rows.put(p);

  it('starts a filter from its narrowest lookup', () => {
    const ids = (filter: Parameters<typeof normalizeFilter>[0]) =>
      rows
        .seed(normalizeFilter(filter))
        ?.map((p) => p.id)
        .sort();
    expect(ids({ imageIds: ['img-2', 'img-9'] })).toEqual([b.id]);
    expect(ids({ sha256: a.payload.sha256 })).toEqual([a.id]);
    expect(ids({ sha256: 'not-a-hash' })).toEqual([]);
    expect(ids({ phashChunks: ['0:aaaa'] })).toEqual([a.id, b.id].sort());
    expect(ids({ phashChunks: ['0:aaaa'], imageIds: ['img-1'] })).toEqual([a.id]);
    expect(ids({ tagsAny: ['x'] })).toBeUndefined();
  });

  it('keeps the lookups in step with replacements and removals', () => {
    rows.put({ ...b, payload: { ...b.payload, phash_chunks: ['0:eeee'] } });
    expect(rows.seed(normalizeFilter({ phashChunks: ['0:aaaa'] }))!.map((p) => p.id)).toEqual([a.id]);
    rows.remove(a.id);
    expect(rows.seed(normalizeFilter({ phashChunks: ['0:aaaa'] }))).toEqual([]);
    expect(rows.seed(normalizeFilter({ imageIds: ['img-1'] }))).toEqual([]);
    expect(rows.size).toBe(2);
  });
});
