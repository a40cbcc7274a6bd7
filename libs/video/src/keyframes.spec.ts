import { capPerMinute, shotsOf, type Keyframe } from './keyframes';

describe('capPerMinute', () => {
  it('keeps the first frame and the strongest scene changes of each minute, in time order', () => {
    const frames = [
      { tMs: 0, sceneScore: 0 },
      { tMs: 1000, sceneScore: 0.4 },
      { tMs: 2000, sceneScore: 0.9 },
      { tMs: 3000, sceneScore: 0.5 },
      { tMs: 61_000, sceneScore: 0.35 },
      { tMs: 62_000, sceneScore: 0.8 },
    ];
    expect(capPerMinute(frames, 2)).toEqual([0, 2, 4, 5]);
    expect(capPerMinute(frames, 3)).toEqual([0, 2, 3, 4, 5]);
    expect(capPerMinute(frames, 10)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('shotsOf', () => {
  const frame = (tMs: number, shotId: number): Keyframe => ({
    tMs,
    shotId,
    frameIndex: tMs / 40,
    sceneScore: 0,
    jpeg: Buffer.alloc(0),
  });

  it('starts a shot at its first frame and ends it where the next begins', () => {
    expect(shotsOf([frame(0, 0), frame(5000, 0), frame(8000, 1)], 12_000)).toEqual([
      { shotId: 0, startMs: 0, endMs: 8000, frameIndex: 0 },
      { shotId: 1, startMs: 8000, endMs: 12_000, frameIndex: 200 },
    ]);
  });
});
