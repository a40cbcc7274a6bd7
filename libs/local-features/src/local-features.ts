import { openCv, withMats, type CvMat, type OpenCv } from './opencv';

/** Bytes per ORB descriptor (256 bits). */
export const ORB_DESCRIPTOR_BYTES = 32;

/** 8-bit grey pixels, row-major. */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Keypoints of one orientation: positions in the grey image's pixels, and their ORB descriptors. */
export interface KeypointSet {
  count: number;
  /** x0, y0, x1, y1, ... */
  points: Float32Array;
  /** count x ORB_DESCRIPTOR_BYTES, row-major. */
  descriptors: Uint8Array;
}

/**
 * What verification needs of one image, made once at ingest: ORB keypoints of the grey image and
 * of its mirror (in the mirror's own coordinates; matching against both finds flipped copies), and
 * a small grey thumbnail for the photometric check.
 */
export interface LocalFeatures {
  /** The grey image the keypoints live in (its long side is `FeatureOptions.side`). */
  width: number;
  height: number;
  plain: KeypointSet;
  mirrored: KeypointSet;
  thumb: GreyImage;
}

export interface FeatureOptions {
  /** Long side of the grey image features are found in (up or down). */
  side: number;
  /** Most ORB keypoints per orientation. */
  keypoints: number;
  /** Long side of the photometric thumbnail. */
  thumbSide: number;
  /** ORB's scale pyramid: levels, 1.2x apart. */
  levels: number;
}

/**
 * Chosen on dev-nearcopies (services/dedup/bench/verify-levers.ts, docs/BENCHMARKS.md): against
 * 640 px, 500 keypoints and 8 levels, a 400 px image with 300 keypoints on 5 levels costs about
 * 40% of the extraction and half the matching, at the same precision and a recall 1.3 points higher.
 */
export const FEATURE_DEFAULTS: Readonly<FeatureOptions> = {
  side: 400,
  keypoints: 300,
  thumbSide: 160,
  levels: 5,
};

/** Names the options, for caches of features made with them. */
export function featureSignature(options: FeatureOptions = FEATURE_DEFAULTS): string {
  return `s${options.side}-k${options.keypoints}-l${options.levels}-t${options.thumbSide}`;
}

/** ORB's FAST corner threshold: its default, and the lower one tried when an image gives few corners. */
const FAST_THRESHOLD = 20;
const FAST_THRESHOLD_SMOOTH = 5;

function detect(cv: OpenCv, grey: CvMat, options: FeatureOptions, fastThreshold: number): KeypointSet {
  return withMats((keep) => {
    const orb = keep(
      new cv.ORB(options.keypoints, 1.2, options.levels, 31, 0, 2, cv.ORB_HARRIS_SCORE, 31, fastThreshold),
    );
    const found = keep(new cv.KeyPointVector());
    const descriptors = keep(new cv.Mat());
    orb.detectAndCompute(grey, keep(new cv.Mat()), found, descriptors);
    // ORB may find none (a flat image); its descriptor matrix is then empty.
    const count = descriptors.rows === found.size() ? found.size() : 0;
    const points = new Float32Array(count * 2);
    for (let i = 0; i < count; i += 1) {
      const { pt } = found.get(i) as { pt: { x: number; y: number } };
      points[2 * i] = pt.x;
      points[2 * i + 1] = pt.y;
    }
    return {
      count,
      points,
      descriptors: Uint8Array.from(descriptors.data.subarray(0, count * ORB_DESCRIPTOR_BYTES)),
    };
  });
}

/**
 * Smooth images (cells, retinas, blurred copies) have few corners at FAST's default threshold:
 * when it finds less than a quarter of the budget, the image is searched again at a lower one.
 */
function keypointSet(cv: OpenCv, grey: CvMat, options: FeatureOptions): KeypointSet {
  const found = detect(cv, grey, options, FAST_THRESHOLD);
  return found.count >= options.keypoints / 4 ? found : detect(cv, grey, options, FAST_THRESHOLD_SMOOTH);
}

/**
 * ORB keypoints of the grey image (from `greyForFeatures`) and of its mirror, and the photometric
 * thumbnail. Synchronous WebAssembly: run it off the event loop (`LocalFeaturePool`).
 */
export function extractWith(
  cv: OpenCv,
  grey: GreyImage,
  options: FeatureOptions = FEATURE_DEFAULTS,
): LocalFeatures {
  return withMats((keep) => {
    const mat = keep(new cv.Mat(grey.height, grey.width, cv.CV_8UC1));
    mat.data.set(grey.data);
    const mirror = keep(new cv.Mat());
    cv.flip(mat, mirror, 1);
    const scale = Math.min(1, options.thumbSide / Math.max(grey.width, grey.height));
    const tw = Math.max(1, Math.round(grey.width * scale));
    const th = Math.max(1, Math.round(grey.height * scale));
    const small = keep(new cv.Mat());
    cv.resize(mat, small, new cv.Size(tw, th), 0, 0, cv.INTER_AREA);
    return {
      width: grey.width,
      height: grey.height,
      plain: keypointSet(cv, mat, options),
      mirrored: keypointSet(cv, mirror, options),
      thumb: { width: tw, height: th, data: Uint8Array.from(small.data) },
    };
  });
}

export async function extractLocalFeatures(
  grey: GreyImage,
  options: FeatureOptions = FEATURE_DEFAULTS,
): Promise<LocalFeatures> {
  return extractWith((await openCv()).cv, grey, options);
}
