import type { SharpOptions } from 'sharp';

/** Limits applied to every untrusted image; services fill them from their validated config. */
export interface ImageLimits {
  /** Largest accepted file, in bytes (payload_too_large above it). */
  maxBytes: number;
  /** Largest accepted width x height of the first frame (unprocessable above it). */
  maxPixels: number;
  /** Longest time one decode may take before it is abandoned. */
  decodeTimeoutMs: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxBytes: 25 * 1024 * 1024,
  maxPixels: 40_000_000,
  decodeTimeoutMs: 10_000,
});

/**
 * The sharp input options every decode in this library uses. `failOn: 'error'` rejects truncated
 * and damaged data (a plain warning such as extraneous bytes before a marker is tolerated, because
 * many camera files carry one); `limitInputPixels` makes libvips refuse a bomb before it allocates;
 * `sequentialRead` lets JPEG and PNG stream through memory instead of being held whole.
 */
export function sharpInputOptions(limits: Pick<ImageLimits, 'maxPixels'>): SharpOptions {
  return {
    failOn: 'error',
    limitInputPixels: limits.maxPixels,
    sequentialRead: true,
    pages: 1,
  };
}
