import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cvOps,
  cvRuntimesHere,
  KEYPOINT_FIELDS,
  resolveCvRuntime,
  type CvOps,
  type OrbSettings,
} from './cv-ops';
import { fitGrey, stretchContrast } from './grey-fit';
import { greyFromBytes } from './grey-image';
import type { GreyImage } from './local-features';

const IMAGES = join(__dirname, '../../../../shared/datasets/dev-nearcopies/images');
const ORB: OrbSettings = {
  keypoints: 300,
  scaleFactor: 1.2,
  levels: 5,
  edgeThreshold: 31,
  patchSize: 31,
  fastThreshold: 20,
};

async function featureGrey(ops: CvOps, file: string): Promise<GreyImage> {
  return stretchContrast(fitGrey(ops, await greyFromBytes(readFileSync(join(IMAGES, file))), 400));
}

/** x, y, octave and response of each keypoint, as a sortable key: the set ORB chose, in any order. */
function keypointKeys(fields: Float64Array): string[] {
  const keys: string[] = [];
  for (let i = 0; i < fields.length; i += KEYPOINT_FIELDS) {
    keys.push(
      `${fields[i]!.toFixed(2)},${fields[i + 1]!.toFixed(2)},${fields[i + 5]},${fields[i + 4]!.toExponential(5)}`,
    );
  }
  return keys.sort();
}

describe('resolveCvRuntime', () => {
  it('takes OpenCV.js when asked, and native for auto wherever the native runtime is expected', () => {
    expect(resolveCvRuntime('wasm')).toBe('wasm');
    expect(resolveCvRuntime('auto')).toBe(cvRuntimesHere()[0]);
  });
});

const both = cvRuntimesHere().includes('native') ? describe : describe.skip;

both('native OpenCV against OpenCV.js (the same calls, the same answers)', () => {
  jest.setTimeout(60_000);
  let native: CvOps;
  let wasm: CvOps;
  beforeAll(async () => {
    native = await cvOps('native');
    wasm = await cvOps('wasm');
  });

  it('loads the addon, which names its OpenCV', () => {
    expect(native.runtime).toBe('native');
    expect(native.version).toMatch(/^4\.\d+\.\d+/);
  });

  it.each(['astronaut.jpg', 'coffee.jpg', 'cell.jpg'])(
    'fits, flips and resizes to the same pixels (%s)',
    async (file) => {
      const luma = await greyFromBytes(readFileSync(join(IMAGES, file)));
      const n = fitGrey(native, luma, 400);
      const w = fitGrey(wasm, luma, 400);
      expect([n.width, n.height]).toEqual([w.width, w.height]);
      // Bicubic rounds a few pixels the other way natively (3 of 160,000 on astronaut.jpg), by one level.
      let differ = 0;
      for (let i = 0; i < n.data.length; i += 1) {
        expect(Math.abs(n.data[i]! - w.data[i]!)).toBeLessThanOrEqual(1);
        if (n.data[i] !== w.data[i]) differ += 1;
      }
      expect(differ).toBeLessThanOrEqual(n.data.length / 10_000);
      expect(Buffer.from(native.flip(w).data).equals(Buffer.from(wasm.flip(w).data))).toBe(true);
      const linear = (ops: CvOps) => ops.resize(luma, 400, n.height, 'linear');
      expect(Buffer.from(linear(native).data).equals(Buffer.from(linear(wasm).data))).toBe(true);
      const small = (ops: CvOps) => ops.resize(w, 160, Math.round((160 * w.height) / w.width), 'area');
      expect(Buffer.from(small(native).data).equals(Buffer.from(small(wasm).data))).toBe(true);
    },
  );

  it.each(['astronaut.jpg', 'chelsea.jpg', 'rocket.jpg'])(
    'finds the same ORB keypoints with (nearly) the same descriptors (%s)',
    async (file) => {
      const grey = await featureGrey(wasm, file);
      const n = native.orbDetectAndCompute(grey, ORB);
      const w = wasm.orbDetectAndCompute(grey, ORB);
      // The same keypoints by position, level and Harris response; ORB may list ties in another order.
      expect(keypointKeys(n.fields)).toEqual(keypointKeys(w.fields));
      // Orientation comes from fastAtan2, vectorised natively: a few descriptors differ by some bits.
      const byPlace = new Map<string, number>();
      for (let i = 0; i < w.fields.length / KEYPOINT_FIELDS; i += 1) {
        byPlace.set(
          `${w.fields[i * KEYPOINT_FIELDS]},${w.fields[i * KEYPOINT_FIELDS + 1]},${w.fields[i * KEYPOINT_FIELDS + 5]}`,
          i,
        );
      }
      let identical = 0;
      let bits = 0;
      const count = n.fields.length / KEYPOINT_FIELDS;
      for (let i = 0; i < count; i += 1) {
        const j = byPlace.get(
          `${n.fields[i * KEYPOINT_FIELDS]},${n.fields[i * KEYPOINT_FIELDS + 1]},${n.fields[i * KEYPOINT_FIELDS + 5]}`,
        )!;
        expect(
          Math.abs(n.fields[i * KEYPOINT_FIELDS + 3]! - w.fields[j * KEYPOINT_FIELDS + 3]!) % 360,
        ).toBeLessThan(0.1);
        let differ = 0;
        for (let k = 0; k < 32; k += 1) {
          for (let x = n.descriptors[i * 32 + k]! ^ w.descriptors[j * 32 + k]!; x; x &= x - 1) differ += 1;
        }
        if (differ === 0) identical += 1;
        bits += differ;
      }
      expect(count).toBeGreaterThan(200);
      expect(identical / count).toBeGreaterThanOrEqual(0.9);
      expect(bits / count).toBeLessThan(2);
    },
  );

  it('describes given keypoints and drops those ORB will not describe, as OpenCV.js does', async () => {
    const grey = await featureGrey(wasm, 'coffee.jpg');
    const found = wasm.orbDetectAndCompute(grey, ORB);
    // One keypoint pushed onto the border, where ORB cannot describe it.
    const given = found.fields.slice(0, 10 * KEYPOINT_FIELDS);
    given[0] = 2;
    const n = native.orbCompute(grey, ORB, given);
    const w = wasm.orbCompute(grey, ORB, given);
    expect(n.fields.length / KEYPOINT_FIELDS).toBe(9);
    expect(Array.from(n.fields)).toEqual(Array.from(w.fields));
    expect(Buffer.from(n.descriptors).equals(Buffer.from(w.descriptors))).toBe(true);
  });

  it('fits the same homography, with the same inliers, through planted outliers', () => {
    const h = [1.1, 0.05, 12, -0.04, 0.95, -7, 0.0001, -0.00005, 1];
    const src = new Float32Array(120);
    const dst = new Float32Array(120);
    for (let i = 0; i < 60; i += 1) {
      const x = (i * 37) % 400;
      const y = (i * 53) % 300;
      const z = h[6]! * x + h[7]! * y + h[8]!;
      src.set([x, y], 2 * i);
      // Every fifth correspondence is wrong.
      dst.set(
        i % 5 === 0
          ? [(x * 7) % 311, (y * 3) % 277]
          : [(h[0]! * x + h[1]! * y + h[2]!) / z, (h[3]! * x + h[4]! * y + h[5]!) / z],
        2 * i,
      );
    }
    const n = native.findHomography(src, dst, 3, 500, 0.995);
    const w = wasm.findHomography(src, dst, 3, 500, 0.995);
    expect(Array.from(n.inliers)).toEqual(Array.from(w.inliers));
    expect(Array.from(n.inliers).filter(Boolean)).toHaveLength(48);
    for (let i = 0; i < 9; i += 1) {
      expect(n.homography![i]).toBeCloseTo(h[i]!, 4);
      expect(w.homography![i]).toBeCloseTo(h[i]!, 4);
    }
  });

  it('warps to the same pixels, forward and inverse', async () => {
    const grey = native.resize(await featureGrey(wasm, 'astronaut.jpg'), 160, 160, 'area');
    const m = [0.9, 0.1, 5, -0.08, 1.05, 3, 0.0004, 0.0002, 1];
    for (const [interpolation, inverse] of [
      ['linear', false],
      ['nearest', false],
      ['nearest', true],
    ] as const) {
      const n = native.warpPerspective(grey, m, 150, 140, interpolation, inverse);
      const w = wasm.warpPerspective(grey, m, 150, 140, interpolation, inverse);
      expect([n.width, n.height]).toEqual([150, 140]);
      let off = 0;
      for (let i = 0; i < n.data.length; i += 1) off = Math.max(off, Math.abs(n.data[i]! - w.data[i]!));
      expect(off).toBeLessThanOrEqual(1);
    }
  });

  it("finds each descriptor's two nearest as the JavaScript matcher does, at any byte offset", async () => {
    const orbOf = async (file: string) => {
      const found = native.orbDetectAndCompute(await featureGrey(native, file), ORB);
      const count = found.fields.length / KEYPOINT_FIELDS;
      return { count, points: new Float32Array(count * 2), descriptors: found.descriptors };
    };
    const pairs = [
      ['astronaut.jpg', 'astronaut__jpeg20.jpg'],
      ['coffee.jpg', 'coffee__crop80.jpg'],
      ['coffee.jpg', 'astronaut.jpg'],
    ];
    for (const [fa, fb] of pairs) {
      const [a, b] = await Promise.all([orbOf(fa!), orbOf(fb!)]);
      expect(a.count).toBeGreaterThan(100);
      const expected = wasm.hammingKnn2(a, b);
      expect(expected).toHaveLength(a.count * 3);
      expect(native.hammingKnn2(a, b)).toEqual(expected);
      const shifted = new Uint8Array(a.descriptors.length + 1);
      shifted.set(a.descriptors, 1);
      expect(native.hammingKnn2({ ...a, descriptors: shifted.subarray(1) }, b)).toEqual(expected);
    }
    // Ties: the same descriptor twice in B gives the earlier index and a second distance of 0.
    const a = await orbOf('coffee.jpg');
    const doubled = new Uint8Array(64);
    doubled.set(a.descriptors.subarray(0, 32), 0);
    doubled.set(a.descriptors.subarray(0, 32), 32);
    const twice = { count: 2, points: new Float32Array(4), descriptors: doubled };
    expect(Array.from(native.hammingKnn2(a, twice).subarray(0, 3))).toEqual([0, 0, 0]);
    expect(native.hammingKnn2(a, twice)).toEqual(wasm.hammingKnn2(a, twice));
    expect(native.hammingKnn2(a, { ...twice, count: 1 })).toHaveLength(0);
  });

  it('answers a buffer shorter than its size with an error, not a crash', () => {
    const short = { width: 100, height: 100, data: new Uint8Array(50) };
    expect(() => native.flip(short)).toThrow(/do not cover/);
    const few = { count: 10, points: new Float32Array(20), descriptors: new Uint8Array(100) };
    expect(() => native.hammingKnn2(few, few)).toThrow(/descriptors do not cover/);
    expect(() => native.findHomography(new Float32Array(8), new Float32Array(6), 3, 10, 0.99)).toThrow(
      /differ in length/,
    );
  });
});
