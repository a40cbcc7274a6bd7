import { fromImageFilter, normalizeFilter, phashChunks } from './vector-filter';

function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

function flip(hash: string, bits: number[]): string {
  let v = BigInt(`0x${hash}`);
  for (const b of bits) v ^= 1n << BigInt(b);
  return v.toString(16).padStart(16, '0');
}

describe('pHash chunks', () => {
  it('splits 16 hex digits into four position-tagged chunks', () => {
    expect(phashChunks('0123456789ABCDEF')).toEqual(['0:0123', '1:4567', '2:89ab', '3:cdef']);
    expect(() => phashChunks('xyz')).toThrow();
  });

  it('shares a chunk with every hash within Hamming distance 3 (pigeonhole), and not always at 4', () => {
    const base = '9f3c0a5e7b21d468';
    const shares = (a: string, b: string) => phashChunks(a).some((c) => phashChunks(b).includes(c));
    for (let i = 0; i < 2000; i++) {
      const d = (i % 3) + 1;
      const bits = new Set<number>();
      while (bits.size < d) bits.add((i * 37 + bits.size * 13 + bits.size * bits.size * 7) % 64);
      const other = flip(base, [...bits]);
      expect(hamming(base, other)).toBe(bits.size);
      expect(shares(base, other)).toBe(true);
    }
    const oneBitPerChunk = flip(base, [0, 16, 32, 48]);
    expect(hamming(base, oneBitPerChunk)).toBe(4);
    expect(shares(base, oneBitPerChunk)).toBe(false);
  });
});

describe('normalizeFilter', () => {
  it('treats empty proto lists as no condition and converts the time range to epoch ms', () => {
    const f = normalizeFilter(
      fromImageFilter({
        tagsAny: [],
        tagsAll: ['a', 'a'],
        createdFrom: '2025-01-01T02:00:00+02:00',
        createdTo: undefined,
        minQuality: 0.5,
        maxNsfw: undefined,
        minAnomaly: undefined,
        flagsAll: [],
        flagsNone: [],
        sources: [],
        sha256: 'ABC',
        imageIds: [],
      }),
    );
    expect(f.tagsAny).toEqual([]);
    expect(f.tagsAll).toEqual(['a']);
    expect(f.createdFromMs).toBe(Date.UTC(2025, 0, 1));
    expect(f.sha256).toBe('abc');
    expect(f.minQuality).toBe(0.5);
  });

  it('refuses values no engine should see', () => {
    expect(() => normalizeFilter({ maxNsfw: Infinity })).toThrow();
    expect(() => normalizeFilter({ createdTo: 'soon' })).toThrow();
    expect(() => normalizeFilter({ tagsAny: [''] })).toThrow();
    expect(() => normalizeFilter({ phashChunks: ['4:abcd'] })).toThrow();
  });
});
