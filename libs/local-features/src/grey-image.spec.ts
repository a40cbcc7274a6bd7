import { stretchContrast } from './grey-image';

const image = (values: number[]) => ({ width: values.length, height: 1, data: Uint8Array.from(values) });

describe('stretchContrast', () => {
  it('stretches the levels between the percentiles to the full range', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 100 + Math.floor(i / 20));
    const out = stretchContrast(image(values), 0.5, 99.5);
    expect(Math.min(...out.data)).toBe(0);
    expect(Math.max(...out.data)).toBe(255);
    // Monotone: the order of the levels is kept.
    for (let i = 1; i < out.data.length; i += 1)
      expect(out.data[i]!).toBeGreaterThanOrEqual(out.data[i - 1]!);
  });

  it('clips the few pixels beyond the percentiles instead of letting them set the range', () => {
    const values = [...Array.from({ length: 998 }, (_, i) => 60 + (i % 40)), 0, 255];
    const out = stretchContrast(image(values), 0.5, 99.5);
    // Without clipping, 60..99 would stay a narrow band inside 0..255.
    const body = Array.from(out.data.subarray(0, 998));
    expect(Math.min(...body)).toBeLessThanOrEqual(7);
    expect(Math.max(...body)).toBeGreaterThanOrEqual(248);
  });

  it('leaves a flat image as it is', () => {
    const flat = image(Array.from({ length: 100 }, () => 128));
    expect(stretchContrast(flat)).toBe(flat);
  });
});
