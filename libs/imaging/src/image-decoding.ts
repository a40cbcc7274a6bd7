import { isLookalikeError } from '@lookalike/contracts';
import sharp from 'sharp';
import './sharp-loaders';
import { corruptImage, decodeTimedOut, tooManyPixels } from './image-errors';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits, sharpInputOptions } from './image-limits';

/** Longest side of the image the quality metrics look at; big photos are judged at screen scale. */
export const ANALYSIS_MAX_SIDE = 1024;

export const FLATTEN_BACKGROUND = { r: 255, g: 255, b: 255 } as const;

/** Interleaved 8-bit sRGB pixels in displayed orientation, alpha flattened on white. */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3;
}

export interface DecodeOptions {
  /** Fit the decoded image inside this many pixels per side (never enlarged). */
  maxSide?: number;
}

/**
 * A sharp pipeline over untrusted bytes with every guard this library relies on: the input limits,
 * the decode timeout, EXIF orientation applied, the first frame only (`pages: 1`). Callers add their
 * own operations and output; each pipeline may produce a single output.
 */
export function orientedPipeline(bytes: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): sharp.Sharp {
  return sharp(bytes, sharpInputOptions(limits))
    .timeout({ seconds: Math.max(1, Math.ceil(limits.decodeTimeoutMs / 1000)) })
    .autoOrient();
}

/**
 * `orientedPipeline` normalised for analysis: transparency flattened on white (how a viewer shows
 * it), and CMYK, greyscale, 16-bit or tagged input converted to 8-bit sRGB.
 */
export function normalisedPipeline(bytes: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): sharp.Sharp {
  return orientedPipeline(bytes, limits).flatten({ background: FLATTEN_BACKGROUND }).toColourspace('srgb');
}

/**
 * Fits the pipeline's image inside `maxSide` px, never enlarging. When the displayed size is known
 * and already fits, no resize is asked for: libvips' resize of an image that needs none still runs
 * a pass over it (4 of 12 ms of CPU to decode a 900 px JPEG), and leaving it out gives the same
 * pixels bit for bit (every image of the ingest bench and dev-nearcopies that fits, 333 of them).
 */
export function fitInside(
  pipeline: sharp.Sharp,
  maxSide: number,
  displayed?: { width: number; height: number },
): sharp.Sharp {
  if (
    displayed &&
    displayed.width > 0 &&
    displayed.height > 0 &&
    Math.max(displayed.width, displayed.height) <= maxSide
  )
    return pipeline;
  return pipeline.resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true });
}

/** Turns what sharp throws into the library's typed rejections. */
export function toImageError(error: unknown, format: string | undefined, limits: ImageLimits): Error {
  if (isLookalikeError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) return tooManyPixels(undefined, undefined, limits.maxPixels);
  if (/timeout/i.test(message)) return decodeTimedOut(limits.decodeTimeoutMs);
  return corruptImage(format, error);
}

/**
 * Runs one decode under the time limit. sharp's own timeout (whole seconds) stops the libvips work;
 * the race answers at the millisecond limit even while that work winds down.
 */
export async function runDecode<T>(work: () => Promise<T>, limits: ImageLimits, format?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(decodeTimedOut(limits.decodeTimeoutMs)), limits.decodeTimeoutMs);
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (error) {
    throw toImageError(error, format, limits);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Decodes the image for analysis: displayed orientation, first frame, sRGB, no alpha, fitted inside
 * `maxSide` (default ANALYSIS_MAX_SIDE). Expects bytes that `inspectImage` accepted, but is safe on
 * anything: the same limits apply and failures are typed.
 */
export async function decodeForAnalysis(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const maxSide = options.maxSide ?? ANALYSIS_MAX_SIDE;
  const { data, info } = await runDecode(
    () =>
      fitInside(normalisedPipeline(bytes, limits), maxSide)
        .removeAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }),
    limits,
  );
  if (info.channels !== 3) {
    throw corruptImage(undefined, new Error(`expected 3 channels after normalisation, got ${info.channels}`));
  }
  return { data, width: info.width, height: info.height, channels: 3 };
}
