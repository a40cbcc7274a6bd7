import {
  DEFAULT_IMAGE_LIMITS,
  FLATTEN_BACKGROUND,
  orientedPipeline,
  runDecode,
  type ImageLimits,
} from '@lookalike/imaging';
import sharp from 'sharp';
import { FEATURE_DEFAULTS, type GreyImage } from './local-features';

/** Contrast stretch between these luminance percentiles: it rescues dark and washed-out copies. */
const STRETCH = { lower: 0.5, upper: 99.5 } as const;

function toGrey(pipeline: sharp.Sharp, side: number): Promise<GreyImage> {
  return pipeline
    .resize(side, side, { fit: 'inside' })
    .greyscale()
    .normalise(STRETCH)
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .then(({ data, info }) => ({
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
    }));
}

/**
 * The grey image local features are found in, from pixels ingest already decoded (sRGB, 3 or 4
 * channels, displayed orientation): long side `side` (up or down, so copies at any size meet at
 * one scale), transparency flattened on white, contrast stretched.
 */
export function greyFromPixels(
  pixels: { data: Buffer; width: number; height: number; channels: number },
  side = FEATURE_DEFAULTS.side,
): Promise<GreyImage> {
  const { data, width, height, channels } = pixels;
  const image = sharp(data, { raw: { width, height, channels: channels as 3 | 4 } });
  return toGrey(channels === 4 ? image.flatten({ background: FLATTEN_BACKGROUND }) : image, side);
}

/** The same grey image from encoded bytes (reprocessing, benches): shrink-on-load, displayed orientation. */
export function greyFromBytes(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
  side = FEATURE_DEFAULTS.side,
): Promise<GreyImage> {
  return runDecode(
    () => toGrey(orientedPipeline(bytes, limits).flatten({ background: FLATTEN_BACKGROUND }), side),
    limits,
  );
}
