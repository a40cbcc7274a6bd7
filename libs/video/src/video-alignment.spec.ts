import { alignVideos, type AlignedFrame } from './video-alignment';

/** Frames whose value is the "content" id: equal ids match with score 1. */
const frames = (pairs: [number, string][]): AlignedFrame<string>[] =>
  pairs.map(([tMs, value]) => ({ tMs, value }));
const same = (x: string, y: string) => (x === y ? 1 : undefined);
const original = frames([
  [0, 'a'],
  [2000, 'b'],
  [4000, 'c'],
  [6000, 'd'],
  [8000, 'e'],
]);

describe('alignVideos', () => {
  it('aligns a copy at offset 0 and covers all of both', () => {
    const result = alignVideos(original, original, { aMs: 10_000, bMs: 10_000 }, same);
    expect(result).toMatchObject({ offsetMs: 0, matchedShareA: 1, matchedShareB: 1 });
    expect(result?.matches).toHaveLength(5);
  });

  it('finds a trim: b starts 3 s into a, its first frame mid-shot', () => {
    const trimmed = frames([
      [0, 'b'],
      [1000, 'c'],
      [3000, 'd'],
      [5000, 'e'],
    ]);
    const result = alignVideos(original, trimmed, { aMs: 10_000, bMs: 7000 }, same);
    expect(result?.offsetMs).toBe(-3000);
    // b's frames all match; a's first frame (and the part of b's 'b' shot before the trim) do not count.
    expect(result?.matchedShareB).toBeCloseTo(6000 / 7000, 5);
    expect(result?.matchedShareA).toBeCloseTo(6000 / 10_000, 5);
  });

  it('finds an inserted intro: everything of a shifted by its length', () => {
    const intro = frames([
      [0, 'x'],
      [4000, 'a'],
      [6000, 'b'],
      [8000, 'c'],
      [10_000, 'd'],
      [12_000, 'e'],
    ]);
    const result = alignVideos(original, intro, { aMs: 10_000, bMs: 14_000 }, same);
    expect(result).toMatchObject({ offsetMs: 4000, matchedShareA: 1 });
    expect(result?.matchedShareB).toBeCloseTo(10_000 / 14_000, 5);
  });

  it('does not align unrelated videos, nor ones sharing a single frame', () => {
    const other = frames([
      [0, 'p'],
      [2000, 'q'],
      [4000, 'c'],
    ]);
    expect(alignVideos(original, other, { aMs: 10_000, bMs: 6000 }, same)).toBeUndefined();
    expect(alignVideos(original, frames([[0, 'z']]), { aMs: 10_000, bMs: 2000 }, same)).toBeUndefined();
  });

  it('outvotes stray matches at other offsets (a repeated frame elsewhere)', () => {
    const withRepeat = frames([
      [0, 'a'],
      [2000, 'b'],
      [4000, 'c'],
      [6000, 'd'],
      [8000, 'e'],
      [20_000, 'a'],
    ]);
    const result = alignVideos(original, withRepeat, { aMs: 10_000, bMs: 22_000 }, same);
    expect(result?.offsetMs).toBe(0);
    expect(result?.matches.map((m) => m.bMs)).toEqual([0, 2000, 4000, 6000, 8000]);
  });
});
