import { decodeLocalFeatures, encodeLocalFeatures } from './feature-codec';
import type { LocalFeatures } from './local-features';

function sample(count: number): LocalFeatures {
  const set = (seed: number) => ({
    count,
    points: Float32Array.from({ length: count * 2 }, (_, i) => (i * 7.25 + seed) % 640),
    descriptors: Uint8Array.from({ length: count * 32 }, (_, i) => (i * 31 + seed) & 0xff),
  });
  return {
    width: 640,
    height: 427,
    plain: set(1),
    mirrored: set(2),
    thumb: { width: 160, height: 107, data: Uint8Array.from({ length: 160 * 107 }, (_, i) => i & 0xff) },
  };
}

describe('local feature files', () => {
  it('round-trips every field', () => {
    const f = sample(37);
    const bytes = encodeLocalFeatures(f);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('LKF1');
    expect(decodeLocalFeatures(bytes)).toEqual(f);
  });

  it('holds images without keypoints (a flat image)', () => {
    const f = sample(0);
    expect(decodeLocalFeatures(encodeLocalFeatures(f))).toEqual(f);
  });

  it('refuses a file of another format or a truncated one', () => {
    const bytes = encodeLocalFeatures(sample(5));
    expect(() => decodeLocalFeatures(Buffer.from('PNG\u0000garbage-garbage-garbage'))).toThrow(
      /not an LKF1 file/,
    );
    expect(() => decodeLocalFeatures(bytes.subarray(0, bytes.length - 1))).toThrow(
      /bytes where the header implies/,
    );
  });
});
