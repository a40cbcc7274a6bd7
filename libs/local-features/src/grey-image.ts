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

/**
 * Resized in colour first, then made grey: in one pipeline libvips converts every pixel of the
 * larger input to grey (through linear light) before the resize, which cost about 5 ms of CPU per
 * 1024 px upload; converting the small image instead averages in gamma space, which moves grey
 * levels by at most 8 of 255 (verify-near-copies: recall unchanged, docs/BENCHMARKS.md).
 */
async function toGrey(pipeline: sharp.Sharp, side: number): Promise<GreyImage> {
  const small = await pipeline
    .resize(side, side, { fit: 'inside' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = small.info;
  return sharp(small.data, { raw: { width, height, channels } })
    .greyscale()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .then(({ data, info }) =>
      stretchContrast({
        width: info.width,
        height: info.height,
        data: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height),
      }),
    );
}

/**
 * A linear stretch of the grey levels between two percentiles to 0..255, clipped (what sharp's
 * `normalise` does). Done here on the small grey image: sharp's own ran its histogram pass over
 * the full-size input and cost about three times the rest of the preparation (BENCHMARKS.md).
 */
export function stretchContrast(grey: GreyImage, lower = STRETCH.lower, upper = STRETCH.upper): GreyImage {
  const { data } = grey;
  const histogram = new Uint32Array(256);
  for (let i = 0; i < data.length; i += 1) histogram[data[i]!] += 1;
  const level = (percent: number): number => {
    const target = (data.length * percent) / 100;
    let seen = 0;
    for (let v = 0; v < 256; v += 1) {
      seen += histogram[v]!;
      if (seen > target) return v;
    }
    return 255;
  };
  const lo = level(lower);
  const hi = level(upper);
  // A flat image has nothing to stretch.
  if (hi <= lo) return grey;
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v += 1)
    table[v] = Math.min(255, Math.max(0, Math.round(((v - lo) * 255) / (hi - lo))));
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 1) out[i] = table[data[i]!]!;
  return { width: grey.width, height: grey.height, data: out };
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
