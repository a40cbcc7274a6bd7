import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OptionalAddon } from '@lookalike/workers';
import { hammingKnn2, ORB_DESCRIPTOR_BYTES } from './hamming';
import type { GreyImage, KeypointSet } from './local-features';
import { openCv, withMats, type CvMat, type OpenCv } from './opencv';

/**
 * Which OpenCV runs the local features: `native`, the system's OpenCV through the small addon in
 * libs/local-features/native (built by `make build` where libopencv-dev is installed), or `wasm`,
 * OpenCV.js (always there). `auto` takes native when it is built.
 */
export type CvRuntime = 'native' | 'wasm';
export type CvRuntimeChoice = CvRuntime | 'auto';

export type Interpolation = 'nearest' | 'linear' | 'cubic' | 'area';

/** ORB's settings, as `cv::ORB::create` takes them (Harris scoring). */
export interface OrbSettings {
  keypoints: number;
  scaleFactor: number;
  levels: number;
  edgeThreshold: number;
  patchSize: number;
  fastThreshold: number;
}

/**
 * Keypoints as OpenCV gives them, 7 numbers each (KEYPOINT_FIELDS: x, y, size, angle, response,
 * octave, class_id), and their 32-byte descriptors in the same order.
 */
export interface OrbKeypoints {
  fields: Float64Array;
  descriptors: Uint8Array;
}

export const KEYPOINT_FIELDS = 7;

export interface Homography {
  /** Row-major 3x3, or null when RANSAC found none. */
  homography: Float64Array | null;
  /** One byte per correspondence, non-zero for RANSAC's inliers. */
  inliers: Uint8Array;
}

/**
 * The OpenCV calls local features make, the same on both runtimes, so every decision around them
 * (fitting, the FAST fallback, mirroring, matching, judging a pair) is one TypeScript code path.
 * Synchronous: run them off the event loop (`LocalFeaturePool`).
 */
export interface CvOps {
  readonly runtime: CvRuntime;
  /** The OpenCV version behind it. */
  readonly version: string;
  resize(image: GreyImage, width: number, height: number, interpolation: Interpolation): GreyImage;
  /** Mirrored left to right. */
  flip(image: GreyImage): GreyImage;
  orbDetectAndCompute(image: GreyImage, orb: OrbSettings): OrbKeypoints;
  /** Descriptors of given keypoints: ORB drops those too near the border, and returns the rest. */
  orbCompute(image: GreyImage, orb: OrbSettings, keypoints: Float64Array): OrbKeypoints;
  /**
   * Brute-force Hamming `knnMatch(a, b, 2)`: `[bestIndex, bestDistance, secondDistance]` per A
   * descriptor (the earlier of equal distances first), or nothing when B has fewer than two.
   */
  hammingKnn2(a: KeypointSet, b: KeypointSet): Int32Array;
  /** RANSAC homography from `src` to `dst` (x0, y0, x1, y1, ...). */
  findHomography(
    src: Float32Array,
    dst: Float32Array,
    reprojectionPx: number,
    iterations: number,
    confidence: number,
  ): Homography;
  /** `image` warped by the row-major 3x3 `matrix` onto width x height, 0 outside it. */
  warpPerspective(
    image: GreyImage,
    matrix: ArrayLike<number>,
    width: number,
    height: number,
    interpolation: 'linear' | 'nearest',
    inverse?: boolean,
  ): GreyImage;
}

/** OpenCV's constants, the same in both runtimes. */
const INTERPOLATION: Record<Interpolation, number> = { nearest: 0, linear: 1, cubic: 2, area: 3 };
const WARP_INVERSE_MAP = 16;

function orbParameters(orb: OrbSettings): Float64Array {
  // keypoints, scale factor, levels, edge threshold, first level, WTA_K, Harris score, patch size, FAST threshold
  return Float64Array.of(
    orb.keypoints,
    orb.scaleFactor,
    orb.levels,
    orb.edgeThreshold,
    0,
    2,
    1,
    orb.patchSize,
    orb.fastThreshold,
  );
}

/** The addon's exports (native/opencv-ops.cc). */
interface NativeAddon {
  version: string;
  resize(pixels: Uint8Array, w: number, h: number, tw: number, th: number, interpolation: number): Uint8Array;
  flip(pixels: Uint8Array, w: number, h: number): Uint8Array;
  orbDetectAndCompute(pixels: Uint8Array, w: number, h: number, params: Float64Array): OrbKeypoints;
  orbCompute(
    pixels: Uint8Array,
    w: number,
    h: number,
    params: Float64Array,
    fields: Float64Array,
  ): OrbKeypoints;
  hammingKnn2(a: Uint8Array, aCount: number, b: Uint8Array, bCount: number): Int32Array;
  findHomography(
    src: Float32Array,
    dst: Float32Array,
    reprojectionPx: number,
    iterations: number,
    confidence: number,
  ): Homography;
  warpPerspective(
    pixels: Uint8Array,
    w: number,
    h: number,
    matrix: Float64Array,
    tw: number,
    th: number,
    flags: number,
  ): Uint8Array;
}

/** Where `make build` puts the addon: the same path from src/ (tests) and dist/. */
export const NATIVE_ADDON_PATH = join(__dirname, '../native/build/Release/lookalike_opencv.node');

export function nativeOpsOf(addon: NativeAddon): CvOps {
  return {
    runtime: 'native',
    version: addon.version,
    resize: (image, width, height, interpolation) => ({
      width,
      height,
      data: addon.resize(image.data, image.width, image.height, width, height, INTERPOLATION[interpolation]),
    }),
    flip: (image) => ({ ...image, data: addon.flip(image.data, image.width, image.height) }),
    orbDetectAndCompute: (image, orb) =>
      addon.orbDetectAndCompute(image.data, image.width, image.height, orbParameters(orb)),
    orbCompute: (image, orb, keypoints) =>
      addon.orbCompute(image.data, image.width, image.height, orbParameters(orb), keypoints),
    hammingKnn2: (a, b) =>
      addon.hammingKnn2(
        a.descriptors.subarray(0, a.count * ORB_DESCRIPTOR_BYTES),
        a.count,
        b.descriptors.subarray(0, b.count * ORB_DESCRIPTOR_BYTES),
        b.count,
      ),
    findHomography: (src, dst, reprojectionPx, iterations, confidence) =>
      addon.findHomography(src, dst, reprojectionPx, iterations, confidence),
    warpPerspective: (image, matrix, width, height, interpolation, inverse = false) => ({
      width,
      height,
      data: addon.warpPerspective(
        image.data,
        image.width,
        image.height,
        Float64Array.from(matrix),
        width,
        height,
        INTERPOLATION[interpolation] | (inverse ? WARP_INVERSE_MAP : 0),
      ),
    }),
  };
}

/** A keypoint as OpenCV.js hands it over (and takes it back). */
interface CvKeyPoint {
  pt: { x: number; y: number };
  size: number;
  angle: number;
  response: number;
  octave: number;
  class_id: number;
}

type KeyPointVector = InstanceType<OpenCv['KeyPointVector']>;

/** Feature2D's `compute` (describe given keypoints): in the OpenCV.js build, not in its typings. */
interface Describer {
  compute(image: CvMat, keypoints: KeyPointVector, descriptors: CvMat): void;
}

export function wasmOpsOf(cv: OpenCv): CvOps {
  const matOf = (keep: <M extends { delete(): void }>(m: M) => M, image: GreyImage): CvMat => {
    const mat = keep(new cv.Mat(image.height, image.width, cv.CV_8UC1));
    mat.data.set(image.data.subarray(0, image.width * image.height));
    return mat;
  };
  const orbOf = (orb: OrbSettings) =>
    new cv.ORB(
      orb.keypoints,
      orb.scaleFactor,
      orb.levels,
      orb.edgeThreshold,
      0,
      2,
      cv.ORB_HARRIS_SCORE,
      orb.patchSize,
      orb.fastThreshold,
    );
  const keypointsOf = (found: KeyPointVector, descriptors: CvMat): OrbKeypoints => {
    const count = found.size();
    const fields = new Float64Array(count * KEYPOINT_FIELDS);
    for (let i = 0; i < count; i += 1) {
      const k = found.get(i) as CvKeyPoint;
      fields.set([k.pt.x, k.pt.y, k.size, k.angle, k.response, k.octave, k.class_id], i * KEYPOINT_FIELDS);
    }
    return { fields, descriptors: Uint8Array.from(descriptors.data) };
  };
  return {
    runtime: 'wasm',
    version: 'opencv.js',
    resize: (image, width, height, interpolation) =>
      withMats((keep) => {
        const out = keep(new cv.Mat());
        cv.resize(matOf(keep, image), out, new cv.Size(width, height), 0, 0, INTERPOLATION[interpolation]);
        return { width, height, data: Uint8Array.from(out.data) };
      }),
    flip: (image) =>
      withMats((keep) => {
        const out = keep(new cv.Mat());
        cv.flip(matOf(keep, image), out, 1);
        return { ...image, data: Uint8Array.from(out.data) };
      }),
    orbDetectAndCompute: (image, orb) =>
      withMats((keep) => {
        const found = keep(new cv.KeyPointVector());
        const descriptors = keep(new cv.Mat());
        keep(orbOf(orb)).detectAndCompute(matOf(keep, image), keep(new cv.Mat()), found, descriptors);
        return keypointsOf(found, descriptors);
      }),
    orbCompute: (image, orb, keypoints) =>
      withMats((keep) => {
        const given = keep(new cv.KeyPointVector());
        for (let i = 0; i < keypoints.length; i += KEYPOINT_FIELDS) {
          given.push_back({
            pt: { x: keypoints[i]!, y: keypoints[i + 1]! },
            size: keypoints[i + 2]!,
            angle: keypoints[i + 3]!,
            response: keypoints[i + 4]!,
            octave: keypoints[i + 5]!,
            class_id: keypoints[i + 6]!,
          } as never);
        }
        const descriptors = keep(new cv.Mat());
        // ORB drops keypoints too close to the border; `given` is left holding those it described.
        (keep(orbOf(orb)) as unknown as Describer).compute(matOf(keep, image), given, descriptors);
        return keypointsOf(given, descriptors);
      }),
    // OpenCV.js's BFMatcher is 2.5 times slower than the same search in plain JavaScript.
    hammingKnn2,
    findHomography: (src, dst, reprojectionPx, iterations, confidence) =>
      withMats((keep) => {
        const n = src.length / 2;
        const mask = keep(new cv.Mat());
        const found = keep(
          cv.findHomography(
            keep(cv.matFromArray(n, 1, cv.CV_32FC2, src)),
            keep(cv.matFromArray(n, 1, cv.CV_32FC2, dst)),
            cv.RANSAC,
            reprojectionPx,
            mask,
            iterations,
            confidence,
          ),
        );
        const homography = found.rows === 3 && found.cols === 3 ? Float64Array.from(found.data64F) : null;
        return { homography, inliers: Uint8Array.from(mask.data) };
      }),
    warpPerspective: (image, matrix, width, height, interpolation, inverse = false) =>
      withMats((keep) => {
        const out = keep(new cv.Mat());
        cv.warpPerspective(
          matOf(keep, image),
          out,
          keep(cv.matFromArray(3, 3, cv.CV_64F, Array.from(matrix))),
          new cv.Size(width, height),
          INTERPOLATION[interpolation] | (inverse ? WARP_INVERSE_MAP : 0),
          cv.BORDER_CONSTANT,
          new cv.Scalar(0),
        );
        return { width, height, data: Uint8Array.from(out.data) };
      }),
  };
}

const addon = new OptionalAddon<NativeAddon>(NATIVE_ADDON_PATH, 'native OpenCV');
let native: CvOps | null | undefined;

/** The native runtime, or null when its addon is not built (or will not load: the reason is kept). */
export function nativeOps(): CvOps | null {
  if (native === undefined) {
    const loaded = addon.get();
    native = loaded ? nativeOpsOf(loaded) : null;
  }
  return native;
}

/**
 * The runtime a choice comes to in this process: `auto` is native when the addon loads. Naming
 * `native` where it cannot load is a configuration error, said at start-up.
 */
export function resolveCvRuntime(choice: CvRuntimeChoice): CvRuntime {
  return addon.runtime(
    choice,
    'wasm',
    'install libopencv-dev and run make build, or set LOCAL_FEATURES_RUNTIME=wasm or auto',
  );
}

let wasm: Promise<CvOps> | undefined;

/** The OpenCV calls on the runtime chosen (`auto`: native when built, else OpenCV.js), per thread. */
export async function cvOps(choice: CvRuntimeChoice = 'auto'): Promise<CvOps> {
  const loaded = resolveCvRuntime(choice) === 'native' ? nativeOps() : null;
  if (loaded) return loaded;
  wasm ??= openCv().then(({ cv }) => wasmOpsOf(cv));
  return wasm;
}

/** Where Debian's libopencv-dev puts the headers the addon compiles against. */
export const OPENCV_HEADERS = '/usr/include/opencv4/opencv2/features2d.hpp';

/**
 * The runtimes this machine should run (the tests take each): OpenCV.js always, and native where
 * its addon is built or OpenCV's headers are installed, which `make build` turns into the addon.
 * A native runtime listed here that does not load fails its tests instead of being skipped.
 */
export function cvRuntimesHere(): CvRuntime[] {
  return existsSync(NATIVE_ADDON_PATH) || existsSync(OPENCV_HEADERS) ? ['native', 'wasm'] : ['wasm'];
}
