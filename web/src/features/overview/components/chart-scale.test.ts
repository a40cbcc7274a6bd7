import { describe, expect, it } from 'vitest';

import { axisTicks, bucketLabel, bucketTitle, labelledBuckets, niceMax } from './chart-scale';

describe('chart scales', () => {
  it('rounds the top of a count axis up to 1, 2, 2.5 or 5 × 10^k', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(12)).toBe(20);
    expect(niceMax(21)).toBe(25);
    expect(niceMax(250)).toBe(250);
    expect(niceMax(251)).toBe(500);
    expect(niceMax(9_001)).toBe(10_000);
  });

  it('ticks whole numbers only', () => {
    expect(axisTicks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(axisTicks(1)).toEqual([0, 1]);
    expect(axisTicks(10)).toEqual([0, 5, 10]);
    expect(axisTicks(25)).toEqual([0, 25]);
  });

  it('labels hourly buckets by time and daily ones by date', () => {
    const t = new Date(2026, 11, 6, 14, 0).toISOString();
    expect(bucketLabel(t, 'hour')).toBe('14:00');
    expect(bucketLabel(t, 'day')).toBe('6 Dec');
    expect(bucketTitle(t, 'hour')).toBe('6 Dec, 14:00–15:00');
    expect(bucketTitle(t, 'day')).toBe('Sun 6 Dec');
  });

  it('labels a few evenly spaced buckets, counted back from the current one', () => {
    expect(labelledBuckets(0)).toEqual([]);
    expect(labelledBuckets(3)).toEqual([0, 1, 2]);
    expect(labelledBuckets(7)).toEqual([0, 2, 4, 6]);
    expect(labelledBuckets(24)).toEqual([3, 8, 13, 18, 23]);
    expect(labelledBuckets(30)).toEqual([5, 11, 17, 23, 29]);
  });
});
