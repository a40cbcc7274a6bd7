import { ErrorCode, LookalikeError } from '@lookalike/contracts';

/** Machine-readable reasons carried in `details.reason` of every rejection this library raises. */
export const ImageRejection = {
  Empty: 'empty',
  TooLarge: 'too_large',
  UnsupportedType: 'unsupported_type',
  TooManyPixels: 'too_many_pixels',
  Corrupt: 'corrupt',
  DecodeTimeout: 'decode_timeout',
} as const;

export type ImageRejection = (typeof ImageRejection)[keyof typeof ImageRejection];

export function emptyImage(): LookalikeError {
  return new LookalikeError(ErrorCode.InvalidArgument, 'The image is empty', {
    details: { reason: ImageRejection.Empty },
  });
}

export function imageTooLarge(actual: number, limit: number): LookalikeError {
  return new LookalikeError(
    ErrorCode.PayloadTooLarge,
    `The image is ${actual} bytes; the limit is ${limit}`,
    {
      details: { reason: ImageRejection.TooLarge, limit, actual },
    },
  );
}

export function unsupportedImageType(
  detected: { ext: string; mime: string } | null,
  allowed: readonly string[],
): LookalikeError {
  const what = detected ? `${detected.mime} content` : 'content of an unrecognised type';
  return new LookalikeError(ErrorCode.UnsupportedMediaType, `Unsupported image type: ${what}`, {
    details: {
      reason: ImageRejection.UnsupportedType,
      detected: detected?.mime ?? null,
      allowed: [...allowed],
    },
  });
}

export function tooManyPixels(
  width: number | undefined,
  height: number | undefined,
  limit: number,
): LookalikeError {
  const actual = width !== undefined && height !== undefined ? width * height : undefined;
  const size = actual !== undefined ? `${width}x${height} (${actual} pixels)` : 'more pixels than allowed';
  return new LookalikeError(
    ErrorCode.Unprocessable,
    `The image has too many pixels: ${size}; the limit is ${limit}`,
    {
      details: { reason: ImageRejection.TooManyPixels, limit, actual: actual ?? null, width, height },
    },
  );
}

export function corruptImage(format: string | undefined, cause?: unknown): LookalikeError {
  return new LookalikeError(
    ErrorCode.Unprocessable,
    `The ${format ?? 'image'} data is corrupt or truncated`,
    {
      details: { reason: ImageRejection.Corrupt, format: format ?? null },
      cause,
    },
  );
}

export function decodeTimedOut(limitMs: number): LookalikeError {
  return new LookalikeError(ErrorCode.Unprocessable, `Decoding the image took longer than ${limitMs} ms`, {
    details: { reason: ImageRejection.DecodeTimeout, limit: limitMs },
  });
}
