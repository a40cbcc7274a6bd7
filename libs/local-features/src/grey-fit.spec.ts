import { fitGrey, stretchContrast } from './grey-fit';
import { cvOps, cvRuntimesHere } from './cv-ops';

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

describe.each(cvRuntimesHere())('fitGrey (%s OpenCV)', (runtime) => {
  const ramp = (width: number, height: number) => ({
    width,
    height,
    data: Uint8Array.from({ length: width * height }, (_, i) =>
      Math.floor(((i % width) * 255) / (width - 1)),
    ),
  });

  it('shrinks or enlarges the long side to the feature size and keeps the aspect ratio', async () => {
    const cv = await cvOps(runtime);
    const small = fitGrey(cv, ramp(1024, 768), 400);
    expect([small.width, small.height]).toEqual([400, 300]);
    expect(small.data.length).toBe(400 * 300);
    // A horizontal ramp stays one: dark on the left, bright on the right, every row alike.
    expect(small.data[0]!).toBeLessThan(5);
    expect(small.data[399]!).toBeGreaterThan(250);
    expect(small.data[150 * 400 + 200]).toBe(small.data[200]);
    const tall = fitGrey(cv, ramp(120, 200), 400);
    expect([tall.width, tall.height]).toEqual([240, 400]);
  });

  it('hands back an image already at the feature size as it is', async () => {
    const cv = await cvOps(runtime);
    const exact = ramp(400, 250);
    expect(fitGrey(cv, exact, 400)).toBe(exact);
  });
});
