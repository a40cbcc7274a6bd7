import { LookalikeError } from '@lookalike/contracts';
import sharp from 'sharp';
import { decodeForAnalysis, type DecodedImage } from './image-decoding';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-limits';

export type CropStrategy = 'attention' | 'entropy' | 'centre' | 'detail';

/** A region as fractions of the displayed image, so callers can draw it whatever the size they show. */
export interface CropRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface SalientCrop {
  strategy: CropStrategy;
  region: CropRegion;
  /** JPEG bytes, or size x size x 3 interleaved sRGB bytes when `format` is 'raw'. */
  data: Buffer;
  format: 'jpeg' | 'raw';
  width: number;
  height: number;
}

export interface SalientCropOptions {
  /** Side of each square crop in pixels; 224 is the input of the CLIP-class models. */
  size?: number;
  format?: 'jpeg' | 'raw';
  limits?: ImageLimits;
}

export const MAX_SALIENT_CROPS = 7;

/**
 * Crops whose intersection over union exceeds this show the same thing. Union, not the smaller
 * area: a zoomed-in detail inside a whole-height crop is a different view and is kept.
 */
const DUPLICATE_IOU = 0.8;
/** The detail windows: 60% of each side, one per corner, so they overlap in the middle. */
const DETAIL_WINDOW = 0.6;
/** Crops are taken from the image fitted inside this side, plenty for 224 px crops and cheap for the saliency search. */
const CROP_SOURCE_SIDE = 512;

export function intersectionOverUnion(a: CropRegion, b: CropRegion): number {
  const width = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const height = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  const intersection = width * height;
  return intersection / (a.width * a.height + b.width * b.height - intersection);
}

function rawInput(image: DecodedImage): sharp.Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/**
 * Square crop of `window` (a part of the image, in pixels) chosen by `position`, resized to `size`.
 * Returns the crop and where it lies, as fractions of the whole image.
 */
async function squareCrop(
  image: DecodedImage,
  window: { left: number; top: number; width: number; height: number },
  size: number,
  position: string | number,
  format: 'jpeg' | 'raw',
): Promise<{ data: Buffer; region: CropRegion }> {
  const scale = size / Math.min(window.width, window.height);
  const scaledWidth = Math.max(size, Math.round(window.width * scale));
  const scaledHeight = Math.max(size, Math.round(window.height * scale));
  let pipeline = rawInput(image);
  if (window.width !== image.width || window.height !== image.height) pipeline = pipeline.extract(window);
  pipeline = pipeline.resize(size, size, { fit: 'cover', position });
  pipeline = format === 'jpeg' ? pipeline.jpeg({ quality: 90 }) : pipeline.raw();
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  // sharp reports where a strategy crop was taken (as negative offsets); a fixed position is centred.
  const offsetLeft =
    info.cropOffsetLeft !== undefined ? Math.abs(info.cropOffsetLeft) : Math.floor((scaledWidth - size) / 2);
  const offsetTop =
    info.cropOffsetTop !== undefined ? Math.abs(info.cropOffsetTop) : Math.floor((scaledHeight - size) / 2);
  return {
    data,
    region: {
      left: (window.left + offsetLeft / scale) / image.width,
      top: (window.top + offsetTop / scale) / image.height,
      width: size / scale / image.width,
      height: size / scale / image.height,
    },
  };
}

async function windowEntropy(
  image: DecodedImage,
  window: { left: number; top: number; width: number; height: number },
) {
  const stats = await rawInput(image).extract(window).greyscale().stats();
  return stats.entropy;
}

/**
 * Up to `k` square crops for crop embeddings, most telling first: the whole-height (or whole-width)
 * square that sharp's `attention` strategy picks (skin tones, saturated colour, edges), then the one
 * its `entropy` strategy picks, then the centre square, then zoomed-in `detail` crops: the attention
 * square inside each corner window, busiest window first. Crops that mostly cover one another are
 * kept once (intersection over union above 0.8), so an image may yield fewer than `k`.
 */
export async function salientCrops(
  bytes: Buffer,
  k: number,
  options: SalientCropOptions = {},
): Promise<SalientCrop[]> {
  if (!Number.isInteger(k) || k < 1 || k > MAX_SALIENT_CROPS) {
    throw LookalikeError.invalid(`k must be an integer from 1 to ${MAX_SALIENT_CROPS}`, { k });
  }
  const size = options.size ?? 224;
  const format = options.format ?? 'jpeg';
  const image = await decodeForAnalysis(bytes, options.limits ?? DEFAULT_IMAGE_LIMITS, {
    maxSide: CROP_SOURCE_SIDE,
  });
  const whole = { left: 0, top: 0, width: image.width, height: image.height };

  const plans: Array<{ strategy: CropStrategy; window: typeof whole; position: string | number }> = [
    { strategy: 'attention', window: whole, position: sharp.strategy.attention },
    { strategy: 'entropy', window: whole, position: sharp.strategy.entropy },
    { strategy: 'centre', window: whole, position: 'centre' },
  ];
  const windowWidth = Math.round(image.width * DETAIL_WINDOW);
  const windowHeight = Math.round(image.height * DETAIL_WINDOW);
  if (Math.min(windowWidth, windowHeight) >= size / 2) {
    const corners = [
      { left: 0, top: 0 },
      { left: image.width - windowWidth, top: 0 },
      { left: 0, top: image.height - windowHeight },
      { left: image.width - windowWidth, top: image.height - windowHeight },
    ].map((corner) => ({ ...corner, width: windowWidth, height: windowHeight }));
    const ranked = await Promise.all(
      corners.map(async (window) => ({ window, entropy: await windowEntropy(image, window) })),
    );
    ranked.sort((a, b) => b.entropy - a.entropy);
    for (const { window } of ranked)
      plans.push({ strategy: 'detail', window, position: sharp.strategy.attention });
  }

  const crops: SalientCrop[] = [];
  for (const plan of plans) {
    if (crops.length >= k) break;
    const { data, region } = await squareCrop(image, plan.window, size, plan.position, format);
    if (crops.some((crop) => intersectionOverUnion(crop.region, region) > DUPLICATE_IOU)) continue;
    crops.push({ strategy: plan.strategy, region, data, format, width: size, height: size });
  }
  return crops;
}
