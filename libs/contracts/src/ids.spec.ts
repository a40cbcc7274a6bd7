import { decodeTime, isValid } from 'ulid';
import { newUlid } from './ids';

describe('newUlid', () => {
  it('makes valid ULIDs carrying the given time', () => {
    const id = newUlid(1_700_000_000_123);
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(1_700_000_000_123);
  });

  it('draws distinct random parts across pool refills', () => {
    // 2,000 ids use 32,000 random bytes: the 4 KiB pool is refilled several times.
    const ids = Array.from({ length: 2000 }, () => newUlid(0));
    expect(new Set(ids).size).toBe(ids.length);
    const chars = new Set(ids.flatMap((id) => [...id.slice(10)]));
    // Every one of the 32 Crockford characters shows up in the random part.
    expect(chars.size).toBe(32);
  });

  it('orders the ids of one millisecond as they were made, and keeps an earlier time given', () => {
    const now = 1_800_000_000_000;
    const ids = Array.from({ length: 50 }, () => newUlid(now));
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(50);
    expect(decodeTime(newUlid(now - 5_000))).toBe(now - 5_000);
    expect(decodeTime(newUlid(now))).toBe(now);
  });
});
