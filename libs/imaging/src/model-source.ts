import sharp from 'sharp';

/**
 * The shorter side of the pixels an embedding model is fed from: every model input is 224 px
 * (squashed, centre-cropped or letterboxed), so 256 leaves each of those a downscale. Never enlarged.
 */
export const MODEL_SOURCE_SIDE = 256;

/** Interleaved 8-bit sRGB pixels, three channels, displayed orientation, no alpha. */
export interface RgbPixels {
  data: Buffer;
  width: number;
  height: number;
}

/** The size `modelSourceOf` gives: the shorter side at MODEL_SOURCE_SIDE, aspect kept, never larger. */
export function modelSourceSize(width: number, height: number): { width: number; height: number } {
  const scale = MODEL_SOURCE_SIDE / Math.min(width, height);
  if (scale >= 1) return { width, height };
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * The size sharp's `fit: 'inside'` resize into a `box` x `box` square gives, never enlarged (its
 * rounding: the side that limits is `box`, the other rounded from the larger factor).
 */
export function fitInsideSize(width: number, height: number, box: number): { width: number; height: number } {
  if (width <= box && height <= box) return { width, height };
  const xFactor = width / box;
  const yFactor = height / box;
  return xFactor > yFactor
    ? { width: box, height: Math.max(1, Math.round(height / xFactor)) }
    : { width: Math.max(1, Math.round(width / yFactor)), height: box };
}

/**
 * The model's source from the analysis pixels (`ingestArtefacts`' decode, fitted inside 1024 px,
 * transparency flattened on white): one lanczos3 downscale to MODEL_SOURCE_SIDE on the shorter side.
 * Ingest makes its 256 px thumbnail from the same pixels, and the embedding service resizes them to
 * its model's input instead of decoding the original once more (docs/ingest.md, "One decode for
 * the model"). A function of the pixels only, so every route to them gives the same bytes.
 */
export async function modelSourceOf(pixels: RgbPixels): Promise<RgbPixels> {
  const { width, height } = modelSourceSize(pixels.width, pixels.height);
  if (width === pixels.width && height === pixels.height) return pixels;
  const data = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data, width, height };
}
