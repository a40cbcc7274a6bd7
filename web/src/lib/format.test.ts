import { describe, expect, it } from 'vitest';

import {
  formatAge,
  formatCount,
  formatDuration,
  formatOffset,
  formatSignedTimestamp,
  formatTimestamp,
} from './format';

describe('video time formats', () => {
  it('writes durations as m:ss, from an hour as h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(6_000)).toBe('0:06');
    expect(formatDuration(65_400)).toBe('1:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(Number.NaN)).toBe('–');
  });

  it('writes frame times to the tenth of a second', () => {
    expect(formatTimestamp(0)).toBe('0:00.0');
    expect(formatTimestamp(2_000)).toBe('0:02.0');
    expect(formatTimestamp(1_999)).toBe('0:02.0');
    expect(formatTimestamp(62_340)).toBe('1:02.3');
    expect(formatTimestamp(59_960)).toBe('1:00.0');
  });

  it('signs offsets with a plus or a real minus', () => {
    expect(formatOffset(4_000)).toBe('+4.0 s');
    expect(formatOffset(-3_000)).toBe('\u22123.0 s');
    expect(formatOffset(0)).toBe('0.0 s');
    expect(formatOffset(-20)).toBe('0.0 s');
  });

  it('writes the shift between two videos as a signed m:ss.s', () => {
    expect(formatSignedTimestamp(3_000)).toBe('+0:03.0');
    expect(formatSignedTimestamp(-2_000)).toBe('\u22120:02.0');
    expect(formatSignedTimestamp(-61_500)).toBe('\u22121:01.5');
    expect(formatSignedTimestamp(0)).toBe('0:00.0');
    expect(formatSignedTimestamp(40)).toBe('0:00.0');
  });
});

describe('overview numbers', () => {
  it('writes counts with thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(12_345)).toBe('12,345');
    expect(formatCount(Number.NaN)).toBe('–');
  });

  it('writes a waiting time in its largest whole unit', () => {
    expect(formatAge(0)).toBe('0 s');
    expect(formatAge(59.9)).toBe('59 s');
    expect(formatAge(60)).toBe('1 min');
    expect(formatAge(3_599)).toBe('59 min');
    expect(formatAge(7_200)).toBe('2 h');
    expect(formatAge(3 * 86_400 + 5)).toBe('3 d');
    expect(formatAge(-1)).toBe('–');
  });
});
