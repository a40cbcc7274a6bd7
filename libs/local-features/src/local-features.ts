import { fitGrey, stretchContrast } from './grey-fit';
import {
  cvOps,
  type CvOps,
  type CvRuntimeChoice,
  KEYPOINT_FIELDS,
  type OrbKeypoints,
  type OrbSettings,
} from './cv-ops';
import { ORB_DESCRIPTOR_BYTES } from './hamming';

export { ORB_DESCRIPTOR_BYTES } from './hamming';

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

function orbSettings(options: FeatureOptions, fastThreshold: number): OrbSettings {
  return {
    keypoints: options.keypoints,
    scaleFactor: SCALE_FACTOR,
    levels: options.levels,
    edgeThreshold: 31,
    patchSize: 31,
    fastThreshold,
  };
}

/** The keypoints' positions and their descriptors (none when ORB described none: a flat image). */
function keypointSetOf(found: OrbKeypoints): KeypointSet {
  const described = found.descriptors.length / ORB_DESCRIPTOR_BYTES;
  const count = described === found.fields.length / KEYPOINT_FIELDS ? described : 0;
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count; i += 1) {
    points[2 * i] = found.fields[i * KEYPOINT_FIELDS]!;
    points[2 * i + 1] = found.fields[i * KEYPOINT_FIELDS + 1]!;
  }
  return { count, points, descriptors: found.descriptors.subarray(0, count * ORB_DESCRIPTOR_BYTES) };
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
  ops: CvOps,
  grey: GreyImage,
  options: FeatureOptions,
): { plain: KeypointSet; mirrored: KeypointSet } {
  let orb = orbSettings(options, FAST_THRESHOLD);
  let found = ops.orbDetectAndCompute(grey, orb);
  let plain = keypointSetOf(found);
  if (plain.count < options.keypoints / 4) {
    orb = orbSettings(options, FAST_THRESHOLD_SMOOTH);
    found = ops.orbDetectAndCompute(grey, orb);
    plain = keypointSetOf(found);
  }
  const turned = found.fields.slice(0, plain.count * KEYPOINT_FIELDS);
  for (let i = 0; i < turned.length; i += KEYPOINT_FIELDS) {
    const x = turned[i]!;
    const angle = turned[i + 3]!;
    const octave = turned[i + 5]!;
    const scale = SCALE_FACTOR ** octave;
    const levelWidth = Math.round(grey.width / scale);
    turned[i] = (levelWidth - 1 - x / scale) * scale;
    turned[i + 3] = (540 - angle) % 360;
  }
  return { plain, mirrored: keypointSetOf(ops.orbCompute(ops.flip(grey), orb, turned)) };
}

/**
 * ORB keypoints of the grey image (the analysis luma: ingest's, or `greyFromBytes`) fitted to
 * `options.side` and contrast-stretched, and of its mirror, and the photometric thumbnail.
 * Synchronous OpenCV: run it off the event loop (`LocalFeaturePool`).
 */
export function extractWith(
  ops: CvOps,
  luma: GreyImage,
  options: FeatureOptions = FEATURE_DEFAULTS,
): LocalFeatures {
  const grey = stretchContrast(fitGrey(ops, luma, options.side));
  const scale = Math.min(1, options.thumbSide / Math.max(grey.width, grey.height));
  const tw = Math.max(1, Math.round(grey.width * scale));
  const th = Math.max(1, Math.round(grey.height * scale));
  return {
    width: grey.width,
    height: grey.height,
    ...keypointSets(ops, grey, options),
    thumb: ops.resize(grey, tw, th, 'area'),
  };
}

export async function extractLocalFeatures(
  grey: GreyImage,
  options: FeatureOptions = FEATURE_DEFAULTS,
  runtime: CvRuntimeChoice = 'auto',
): Promise<LocalFeatures> {
  return extractWith(await cvOps(runtime), grey, options);
}
