import { fitGrey, stretchContrast } from './grey-fit';
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
  // g2: the grey image is the analysis luma, fitted to `side` in OpenCV (`fitGrey`: bicubic down,
  // bilinear up; was a libvips resize of the colour pixels, then libvips' grey).
  return `s${options.side}-k${options.keypoints}-l${options.levels}-t${options.thumbSide}-g2`;
}

/** ORB's FAST corner threshold: its default, and the lower one tried when an image gives few corners. */
const FAST_THRESHOLD = 20;
const FAST_THRESHOLD_SMOOTH = 5;

/** ORB's pyramid step: level `o` is the image scaled down by SCALE_FACTOR^o. */
const SCALE_FACTOR = 1.2;

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

function orbOf(cv: OpenCv, options: FeatureOptions, fastThreshold: number) {
  return new cv.ORB(
    options.keypoints,
    SCALE_FACTOR,
    options.levels,
    31,
    0,
    2,
    cv.ORB_HARRIS_SCORE,
    31,
    fastThreshold,
  );
}

/** The keypoints' positions and their descriptors (none when ORB described none: a flat image). */
function keypointSetOf(found: KeyPointVector, descriptors: CvMat): KeypointSet {
  const count = descriptors.rows === found.size() ? found.size() : 0;
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count; i += 1) {
    const { pt } = found.get(i) as CvKeyPoint;
    points[2 * i] = pt.x;
    points[2 * i + 1] = pt.y;
  }
  return {
    count,
    points,
    descriptors: Uint8Array.from(descriptors.data.subarray(0, count * ORB_DESCRIPTOR_BYTES)),
  };
}

/**
 * ORB keypoints of `grey` and, with the same keypoints mirrored, of `mirror` (`grey` flipped left to
 * right). FAST corners and Harris scores are symmetric under the flip, so the mirror's own detection
 * finds the mirrored keypoints; they are therefore only described there (`compute`), not detected
 * again: about 11 -> 7 ms per image in OpenCV.js. A keypoint at column x of pyramid level o (width
 * W_o = round(W / 1.2^o)) sits at column W_o - 1 - x of the mirror's level, and its orientation
 * (the intensity centroid's angle) turns to 180 - angle. On dev-nearcopies every descriptor made so
 * matched one of the mirror's own detection within 10 bits (5,941 of 5,941 on 20 photos).
 *
 * Smooth images (cells, retinas, blurred copies) have few corners at FAST's default threshold:
 * when it finds less than a quarter of the budget, the image is searched again at a lower one.
 * The mirror is described once, for the keypoints kept (a sixth of the photos fall back, and
 * describing the mirror is a third of an extraction).
 */
function keypointSets(
  cv: OpenCv,
  grey: CvMat,
  mirror: CvMat,
  options: FeatureOptions,
): { plain: KeypointSet; mirrored: KeypointSet } {
  return withMats((keep) => {
    const detect = (fastThreshold: number) => {
      const orb = keep(orbOf(cv, options, fastThreshold));
      const found = keep(new cv.KeyPointVector());
      const descriptors = keep(new cv.Mat());
      orb.detectAndCompute(grey, keep(new cv.Mat()), found, descriptors);
      return { orb, found, plain: keypointSetOf(found, descriptors) };
    };
    let first = detect(FAST_THRESHOLD);
    if (first.plain.count < options.keypoints / 4) first = detect(FAST_THRESHOLD_SMOOTH);
    const { orb, found, plain } = first;
    const turned = keep(new cv.KeyPointVector());
    for (let i = 0; i < plain.count; i += 1) {
      const k = found.get(i) as CvKeyPoint;
      const scale = SCALE_FACTOR ** k.octave;
      const levelWidth = Math.round(grey.cols / scale);
      turned.push_back({
        pt: { x: (levelWidth - 1 - k.pt.x / scale) * scale, y: k.pt.y },
        size: k.size,
        angle: (540 - k.angle) % 360,
        response: k.response,
        octave: k.octave,
        class_id: k.class_id,
      } as never);
    }
    const mirroredDescriptors = keep(new cv.Mat());
    // ORB drops keypoints too close to the border; `turned` is left holding those it described.
    (orb as unknown as Describer).compute(mirror, turned, mirroredDescriptors);
    return { plain, mirrored: keypointSetOf(turned, mirroredDescriptors) };
  });
}

/**
 * ORB keypoints of the grey image (the analysis luma: ingest's, or `greyFromBytes`) fitted to
 * `options.side` and contrast-stretched, and of its mirror, and the photometric thumbnail.
 * Synchronous WebAssembly: run it off the event loop (`LocalFeaturePool`).
 */
export function extractWith(
  cv: OpenCv,
  luma: GreyImage,
  options: FeatureOptions = FEATURE_DEFAULTS,
): LocalFeatures {
  const grey = stretchContrast(fitGrey(cv, luma, options.side));
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
      ...keypointSets(cv, mat, mirror, options),
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
