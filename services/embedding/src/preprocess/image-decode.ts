import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import sharp from 'sharp';

/** Raster formats the service decodes; vector and document formats (SVG, PDF) are refused. */
export type AcceptedFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'heif';

export interface DecodeLimits {
  /** Largest accepted width x height, checked from the header before any pixel is decoded. */
  maxPixels: number;
  maxInputBytes: number;
  /** libvips stops a single decode/resize after this many seconds. */
  timeoutSeconds: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxPixels: 40_000_000,
  maxInputBytes: 50 * 1024 * 1024,
  timeoutSeconds: 10,
};

export interface ImageHeader {
  format: AcceptedFormat;
  /** Displayed size, after the EXIF orientation is applied. */
  width: number;
  height: number;
}

/** Types come from the magic bytes, never from a file name. */
export function sniffFormat(bytes: Uint8Array): AcceptedFormat | undefined {
  const at = (offset: number, ...values: number[]): boolean =>
    bytes.length >= offset + values.length && values.every((v, i) => bytes[offset + i] === v);
  const ascii = (offset: number, text: string): boolean =>
    at(offset, ...Array.from(text, (c) => c.charCodeAt(0)));
  if (at(0, 0xff, 0xd8)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (ascii(4, 'ftyp') && ['heic', 'heix', 'mif1', 'msf1', 'avif', 'avis'].some((brand) => ascii(8, brand))) {
    return 'heif';
  }
  return undefined;
}

function corrupt(format: string, cause: unknown): LookalikeError {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new LookalikeError(ErrorCode.Unprocessable, `the ${format} image could not be decoded: ${reason}`, {
    details: { format, reason },
    cause,
  });
}

/**
 * Checks bytes before any pixel work: not empty, not too large, a raster format we accept, a
 * readable header, and a pixel count under the limit. Throws typed errors, never a sharp error.
 */
export async function inspectImage(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<ImageHeader> {
  if (bytes.byteLength === 0) throw LookalikeError.invalid('the image is empty (0 bytes)');
  if (bytes.byteLength > limits.maxInputBytes) {
    throw new LookalikeError(
      ErrorCode.PayloadTooLarge,
      `the image is ${bytes.byteLength} bytes, more than the limit of ${limits.maxInputBytes}`,
      { details: { bytes: bytes.byteLength, maxBytes: limits.maxInputBytes } },
    );
  }
  const format = sniffFormat(bytes);
  if (!format) {
    throw new LookalikeError(
      ErrorCode.UnsupportedMediaType,
      'the bytes are not a supported raster image (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF)',
    );
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw corrupt(format, error);
  }
  const { width, height } = meta;
  if (!width || !height) throw corrupt(format, new Error('the header carries no size'));
  if (width * height > limits.maxPixels) {
    throw new LookalikeError(
      ErrorCode.PayloadTooLarge,
      `the image is ${width}x${height} (${width * height} pixels), more than the limit of ${limits.maxPixels}`,
      { details: { width, height, maxPixels: limits.maxPixels } },
    );
  }
  const swapped = (meta.orientation ?? 1) >= 5;
  return { format, width: swapped ? height : width, height: swapped ? width : height };
}

/**
 * A sharp pipeline over validated bytes with the displayed orientation applied and alpha
 * flattened on white, so every consumer (models, crops) sees the picture a viewer sees.
 */
export function orientedPipeline(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): sharp.Sharp {
  return sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'warning', pages: 1 })
    .timeout({ seconds: limits.timeoutSeconds })
    .autoOrient()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb');
}

/** Runs a pixel pipeline, turning libvips failures (truncated data, bad CRC, time limit) into typed errors. */
export async function renderRaw(
  pipeline: sharp.Sharp,
  format: string,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  try {
    const { data, info } = await pipeline
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    if (error instanceof Error && /timeout/i.test(error.message)) {
      throw new LookalikeError(ErrorCode.Unprocessable, `decoding the ${format} image took too long`, {
        details: { format },
        cause: error,
      });
    }
    throw corrupt(format, error);
  }
}
