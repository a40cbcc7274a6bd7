import sharp from 'sharp';
import { decodeForAnalysis, type DecodedImage, runDecode } from './image-decoding';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits, sharpInputOptions } from './image-limits';
import {
  type BlurSums,
  blurSums,
  type LaplacianSums,
  lumaByte,
  pixelSumsOffThread,
  type PixelRuntimeChoice,
  shadowsOf,
} from './pixel-sums';

export { pixelStatistics } from './pixel-sums';

/** Quality flags, named as in the payload and the proto's `quality_flags`. */
export const QUALITY_FLAGS = [
  'dark',
  'overexposed',
  'blurry',
  'low_information',
  'odd_aspect',
  'odd_size',
  'grayscale',
] as const;

export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/**
 * Where each flag fires, calibrated on ../shared/datasets/dev-nearcopies (see docs/imaging.md for
 * the measured precision and recall). `good` is the value at which the matching component of the
 * quality score reaches 1, `worst` where it reaches 0; the threshold itself scores 0.5.
 */
export const QUALITY_THRESHOLDS = {
  /** 99th percentile of luma (0..1) below this: even the highlights are in shadow. */
  dark: { highlight: 0.3, good: 0.6, worst: 0 },
  /**
   * Overexposure index = share of pixels with a channel >= 250 minus twice the share of pixels with
   * luma <= 0.03. Blown highlights with lifted shadows count; a silhouette on white (both extremes)
   * does not.
   */
  overexposed: { index: 0.3, good: 0.1, worst: 0.8, clipLevel: 250, shadowLuma: 0.03 },
  /**
   * Blur effect (Crete et al. 2007, 0 sharp .. 1 flat): how little of the local contrast an 11-pixel
   * box blur removes, averaged over both axes, on the image fitted inside 1024 px.
   */
  blurry: { blurEffect: 0.53, good: 0.35, worst: 0.9, kernel: 11 },
  /** Shannon entropy of the luma histogram (bits, 0..8) below this: next to nothing to see. */
  lowInformation: { entropy: 1, good: 4, worst: 0 },
  /** Shorter side / longer side below this (more elongated than 3:1). */
  oddAspect: { ratio: 1 / 3, penalty: 0.8 },
  /** Fewer pixels than this, or a side longer than maxSide. */
  oddSize: { minPixels: 2048, maxSide: 16384, penalty: 0.6 },
  /** Share of pixels whose channels differ by more than `channelDelta` (0..255) below this. */
  grayscale: { colourFraction: 0.01, channelDelta: 12 },
} as const;

export interface QualityMetrics {
  /** Mean luma, 0..1. */
  brightness: number;
  /** Standard deviation of luma, 0..0.5. */
  contrast: number;
  /** Variance of the 4-neighbour Laplacian of luma (0..1 units) at analysis size; higher is sharper. */
  sharpness: number;
  /** Crete blur effect, 0 (sharp) .. 1 (no edges at all). */
  blurEffect: number;
  /** Entropy of the luma histogram in bits (-sum p log2 p over its 256 levels). */
  entropy: number;
  /** 99th percentile of luma, 0..1. */
  highlight: number;
  /** Share of pixels with at least one channel >= 250. */
  clipped: number;
  /** Share of pixels with luma <= 0.03. */
  shadows: number;
  /** Share of pixels with visible colour (see QUALITY_THRESHOLDS.grayscale). */
  colourFraction: number;
  /** Displayed width / height. */
  aspectRatio: number;
  /** Displayed size of the full image (not the analysis copy). */
  width: number;
  height: number;
  pixels: number;
  grayscale: boolean;
  flags: QualityFlag[];
  /** 0..1, see `qualityScore`. */
  qualityScore: number;
}

/** 1 at `good`, 0.5 at `threshold`, 0 at `worst`, linear in between (works for either direction). */
export function ramp(value: number, good: number, threshold: number, worst: number): number {
  // Progress from good (0) to worst (1) along the metric's own direction.
  const badness = (value - good) / (worst - good);
  const thresholdAt = (threshold - good) / (worst - good);
  if (badness <= 0) return 1;
  if (badness >= 1) return 0;
  if (badness <= thresholdAt) return 1 - 0.5 * (badness / thresholdAt);
  return 0.5 - 0.5 * ((badness - thresholdAt) / (1 - thresholdAt));
}

/** Variance of the Laplacian in 0..1 units, from its integer sums over the interior. */
function laplacianVariance({ sum, sumSq }: LaplacianSums, width: number, height: number): number {
  if (width < 3 || height < 3) return 0;
  const count = (width - 2) * (height - 2);
  const mean = sum / count / 255;
  return Math.max(0, sumSq / count / (255 * 255) - mean * mean);
}

/** Crete's blur effect from its sums (`blurSums`): the mean of both axes. */
function blurFromSums(sums: BlurSums, kernel: number): number {
  const along = (variation: number, kept: number) => (variation > 0 ? 1 - kept / kernel / variation : 1);
  return (along(sums.variationH, sums.keptH2 / 2) + along(sums.variationV, sums.keptV2 / 2)) / 2;
}

/**
 * Crete's no-reference blur measure: re-blur the image with a `kernel`-pixel box filter along each
 * axis and measure what share of the neighbour-to-neighbour variation survives; a blurred image
 * has little left to lose. The mean of both axes (sums: `blurSums`).
 */
export function blurEffect(luma: Uint8Array, width: number, height: number, kernel: number): number {
  return blurFromSums(blurSums(luma, width, height, kernel), kernel);
}

/** Mean, sample standard deviation and Shannon entropy (bits) of a 256-bin histogram. */
export function histogramStats(histogram: Uint32Array): { mean: number; stdev: number; entropy: number } {
  let count = 0;
  let sum = 0;
  let sumSq = 0;
  for (let level = 0; level < 256; level += 1) {
    const n = histogram[level];
    count += n;
    sum += n * level;
    sumSq += n * level * level;
  }
  let entropy = 0;
  for (let level = 0; level < 256; level += 1) {
    const n = histogram[level];
    if (n > 0) entropy -= (n / count) * Math.log2(n / count);
  }
  const mean = count > 0 ? sum / count : 0;
  const stdev = count > 1 ? Math.sqrt(Math.abs(sumSq - (sum * sum) / count) / (count - 1)) : 0;
  return { mean, stdev, entropy };
}

/**
 * The quality score in 0..1: the worst of four component scores (exposure in both directions,
 * sharpness, information), each 1 when comfortably fine and 0.5 exactly at its flag's threshold,
 * then multiplied by 0.8 for an odd aspect ratio and 0.6 for an odd size. Any image flagged dark,
 * overexposed, blurry or low_information therefore scores at most 0.5. Grayscale is a property,
 * not a defect, and does not lower the score.
 */
export function qualityScore(
  metrics: Omit<QualityMetrics, 'flags' | 'qualityScore'>,
  flags: readonly QualityFlag[],
): number {
  const t = QUALITY_THRESHOLDS;
  const components = [
    ramp(metrics.highlight, t.dark.good, t.dark.highlight, t.dark.worst),
    ramp(metrics.clipped - 2 * metrics.shadows, t.overexposed.good, t.overexposed.index, t.overexposed.worst),
    ramp(metrics.entropy, t.lowInformation.good, t.lowInformation.entropy, t.lowInformation.worst),
  ];
  // Blur is undefined on a featureless frame; low_information already speaks for it.
  if (metrics.entropy >= t.lowInformation.entropy) {
    components.push(ramp(metrics.blurEffect, t.blurry.good, t.blurry.blurEffect, t.blurry.worst));
  }
  let score = Math.min(...components);
  if (flags.includes('odd_aspect')) score *= t.oddAspect.penalty;
  if (flags.includes('odd_size')) score *= t.oddSize.penalty;
  return Math.round(score * 1000) / 1000;
}

function qualityFlags(metrics: Omit<QualityMetrics, 'flags' | 'qualityScore'>): QualityFlag[] {
  const t = QUALITY_THRESHOLDS;
  const dark = metrics.highlight < t.dark.highlight;
  const overexposed = metrics.clipped - 2 * metrics.shadows >= t.overexposed.index;
  const featureless = metrics.entropy < t.lowInformation.entropy;
  const flags: QualityFlag[] = [];
  if (dark) flags.push('dark');
  if (overexposed) flags.push('overexposed');
  if (!featureless && metrics.blurEffect >= t.blurry.blurEffect) flags.push('blurry');
  // An almost black (or white) frame is reported by its cause, not also as low information.
  if (featureless && !dark && !overexposed) flags.push('low_information');
  const shorter = Math.min(metrics.width, metrics.height);
  const longer = Math.max(metrics.width, metrics.height);
  if (shorter / longer < t.oddAspect.ratio) flags.push('odd_aspect');
  if (metrics.pixels < t.oddSize.minPixels || longer > t.oddSize.maxSide) flags.push('odd_size');
  if (metrics.grayscale) flags.push('grayscale');
  return flags;
}

/**
 * Quality metrics of an already decoded analysis image (`decodeForAnalysis`). `displayed` is the
 * size of the full image in displayed orientation, which the size and aspect checks judge.
 */
export async function qualityFromPixels(
  image: DecodedImage,
  displayed: { width: number; height: number },
  runtime: PixelRuntimeChoice = 'auto',
): Promise<QualityMetrics> {
  return (await qualityAndLuma(image, displayed, runtime)).quality;
}

/** 8-bit luma of decoded pixels, one byte per pixel, row-major. */
export interface LumaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * The luma the quality metrics judge, round(0.299 R + 0.587 G + 0.114 B) per pixel of 3-channel
 * pixels: what `qualityAndLuma` hands on, made alone (the same formula, the same values).
 */
export function lumaOf(image: DecodedImage): LumaImage {
  const { data, width, height } = image;
  const count = width * height;
  const luma = new Uint8Array(count);
  for (let i = 0, p = 0; i < count; i += 1, p += 3) {
    luma[i] = lumaByte(data[p], data[p + 1], data[p + 2]);
  }
  return { data: luma, width, height };
}

/**
 * The luma local features are found in, for any bytes (a query image, an original without stored
 * features): `lumaOf` the analysis decode (`decodeForAnalysis`: displayed orientation, sRGB,
 * fitted inside 1024 px, transparency flattened on white), what ingest's quality pass hands on.
 */
export async function analysisLuma(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<LumaImage> {
  return lumaOf(await decodeForAnalysis(bytes, limits));
}

/**
 * `qualityFromPixels` and the luma its pass made, for the stages after that need a grey image
 * (local features), so it is not made again. With the compiled sums the pass runs on libuv's
 * thread pool (`pixelSumsOffThread`); the TypeScript sums run on the calling thread.
 */
export async function qualityAndLuma(
  image: DecodedImage,
  displayed: { width: number; height: number },
  runtime: PixelRuntimeChoice = 'auto',
): Promise<{ quality: QualityMetrics; luma: LumaImage }> {
  const t = QUALITY_THRESHOLDS;
  const { data, width, height } = image;
  const count = width * height;
  const sums = await pixelSumsOffThread(
    data,
    width,
    height,
    { clipLevel: t.overexposed.clipLevel, channelDelta: t.grayscale.channelDelta, kernel: t.blurry.kernel },
    runtime,
  );
  const { luma, histogram, clipped, coloured } = sums;
  const shadows = shadowsOf(histogram, Math.round(t.overexposed.shadowLuma * 255));
  let highlightLevel = 255;
  for (let level = 0, seen = 0; level < 256; level += 1) {
    seen += histogram[level];
    if (seen >= 0.99 * count) {
      highlightLevel = level;
      break;
    }
  }

  const lumaStats = histogramStats(histogram);
  const colourFraction = coloured / count;
  const base = {
    brightness: lumaStats.mean / 255,
    contrast: lumaStats.stdev / 255,
    sharpness: laplacianVariance(sums.laplacian, width, height),
    blurEffect: blurFromSums(sums.blur, t.blurry.kernel),
    entropy: lumaStats.entropy,
    highlight: highlightLevel / 255,
    clipped: clipped / count,
    shadows: shadows / count,
    colourFraction,
    aspectRatio: displayed.width / displayed.height,
    width: displayed.width,
    height: displayed.height,
    pixels: displayed.width * displayed.height,
    grayscale: colourFraction < t.grayscale.colourFraction,
  };
  const flags = qualityFlags(base);
  return {
    quality: { ...base, flags, qualityScore: qualityScore(base, flags) },
    luma: { data: luma, width, height },
  };
}

/** Displayed size from the header alone (EXIF orientation taken into account). */
export async function displayedSize(
  bytes: Buffer,
  limits: ImageLimits,
): Promise<{ width: number; height: number }> {
  const header = await runDecode(() => sharp(bytes, sharpInputOptions(limits)).metadata(), limits);
  const { width, height } = header.autoOrient ?? { width: header.width ?? 0, height: header.height ?? 0 };
  return { width, height };
}

/** Quality metrics, flags and score of an image (displayed orientation, first frame). */
export async function qualityMetrics(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<QualityMetrics> {
  const [image, displayed] = await Promise.all([
    decodeForAnalysis(bytes, limits),
    displayedSize(bytes, limits),
  ]);
  return qualityFromPixels(image, displayed);
}
