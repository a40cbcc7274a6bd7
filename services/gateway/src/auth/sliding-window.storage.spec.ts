import { SlidingWindowThrottlerStorage } from './sliding-window.storage';

describe('SlidingWindowThrottlerStorage', () => {
  const TTL = 60_000;
  let clock: number;
  let sut: SlidingWindowThrottlerStorage;
  const hit = (limit: number, blockDuration = TTL, key = 'user:alice') =>
    sut.increment(key, TTL, limit, blockDuration, 'default');

  beforeEach(() => {
    clock = 10 * TTL; // the start of a window
    sut = new SlidingWindowThrottlerStorage(() => clock);
  });

  it('lets `limit` hits through, refuses the next and blocks the key for the block duration', async () => {
    for (let i = 1; i <= 5; i++) {
      expect(await hit(5)).toMatchObject({ totalHits: i, isBlocked: false });
    }
    const refused = await hit(5);
    expect(refused).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
    clock += 30_000;
    // Still blocked half way, and a refused hit does not extend the block.
    expect(await hit(5)).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
    clock += 30_000;
    // Window moved on: the previous window's 6 hits count fully at its start...
    expect((await hit(5)).isBlocked).toBe(true);
  });

  it('weighs the previous window by how much of it the last ttl still covers', async () => {
    for (let i = 0; i < 10; i++) await hit(100);
    clock += TTL + TTL / 2; // half way through the next window: 10 * 0.5 = 5 of them still count
    expect(await hit(100)).toMatchObject({ totalHits: 6, isBlocked: false, timeToExpire: 30 });
    clock += TTL; // two windows later nothing counts
    expect((await hit(100)).totalHits).toBe(1);
  });

  it('keeps users apart', async () => {
    await hit(1);
    expect((await hit(1)).isBlocked).toBe(true);
    expect((await hit(1, TTL, 'user:bob')).isBlocked).toBe(false);
  });

  it('without a block duration refuses only while the count is at the limit', async () => {
    expect((await hit(2, 0)).isBlocked).toBe(false);
    expect((await hit(2, 0)).isBlocked).toBe(false);
    const refused = await hit(2, 0);
    expect(refused).toMatchObject({ isBlocked: true, totalHits: 3 });
    expect(refused.timeToBlockExpire).toBeGreaterThan(0);
    clock += 2 * TTL;
    expect((await hit(2, 0)).isBlocked).toBe(false);
  });

  it('forgets keys it can no longer count', async () => {
    await hit(5, TTL, 'user:a');
    clock += 3 * TTL;
    await hit(5, TTL, 'user:b');
    expect((sut as unknown as { counters: Map<string, unknown> }).counters.size).toBe(1);
  });
});
