import sharp from 'sharp';

import type { Region } from '../preprocess/clip-preprocess';
import { type DecodeLimits, type ImageHeader, orientedPipeline } from '../preprocess/image-decode';

/**
 * Picks up to `count` regions of the displayed picture worth embedding on their own (a logo in a
 * corner, a product on a shelf). The service takes any function of this shape, so the richer
 * selection in @lookalike/imaging can replace this one.
 */
export type CropSelector = (bytes: Uint8Array, header: ImageHeader, count: number) => Promise<Region[]>;

/** Each crop is a square of this share of the shorter side. */
const CROP_SHARE = 0.6;
/** Saliency is searched on a small copy: cheap, and plenty to place a 60% window. */
const SEARCH_SIDE = 256;
/** Regions overlapping more than this (intersection over the smaller area) count as one. */
const MAX_OVERLAP = 0.85;

function overlap(a: Region, b: Region): number {
  const w = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  return (w * h) / Math.min(a.width * a.height, b.width * b.height);
}

/**
 * Where sharp's saliency strategy puts a `side` square inside the picture: the search runs in two
 * passes (columns, then rows) on a small copy, as sharp's cover crop only moves along one axis.
 */
async function strategyWindow(
  bytes: Uint8Array,
  header: ImageHeader,
  limits: DecodeLimits | undefined,
  side: number,
  strategy: number,
): Promise<Region> {
  const scale = Math.min(1, SEARCH_SIDE / Math.max(header.width, header.height));
  const small = await orientedPipeline(bytes, limits)
    .resize(Math.max(1, Math.round(header.width * scale)), Math.max(1, Math.round(header.height * scale)), {
      fit: 'fill',
    })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = small.info;
  const s = Math.max(1, Math.min(width, height, Math.round(side * scale)));
  const raw = { raw: { width, height, channels: small.info.channels } } as const;
  const columns = await sharp(small.data, raw)
    .resize(s, height, { fit: 'cover', position: strategy })
    .toBuffer({ resolveWithObject: true });
  const left = Math.abs(columns.info.cropOffsetLeft ?? 0);
  const rows = await sharp(small.data, raw)
    .extract({ left, top: 0, width: s, height })
    .resize(s, s, { fit: 'cover', position: strategy })
    .toBuffer({ resolveWithObject: true });
  const top = Math.abs(rows.info.cropOffsetTop ?? 0);
  const clamp = (v: number, max: number): number => Math.max(0, Math.min(max, Math.round(v)));
  return {
    left: clamp(left / scale, header.width - side),
    top: clamp(top / scale, header.height - side),
    width: side,
    height: side,
  };
}

/**
 * Minimal salient-crop selection: sharp's attention and entropy windows first, then the centre and
 * the four corners, skipping near-duplicates, in displayed-pixel coordinates.
 */
export function makeSalientCropSelector(limits?: DecodeLimits): CropSelector {
  return async (bytes, header, count) => {
    if (count <= 0) return [];
    const side = Math.max(1, Math.round(Math.min(header.width, header.height) * CROP_SHARE));
    const maxLeft = header.width - side;
    const maxTop = header.height - side;
    const candidates: Region[] = [
      await strategyWindow(bytes, header, limits, side, sharp.strategy.attention),
      await strategyWindow(bytes, header, limits, side, sharp.strategy.entropy),
      { left: Math.round(maxLeft / 2), top: Math.round(maxTop / 2), width: side, height: side },
      { left: 0, top: 0, width: side, height: side },
      { left: maxLeft, top: 0, width: side, height: side },
      { left: 0, top: maxTop, width: side, height: side },
      { left: maxLeft, top: maxTop, width: side, height: side },
    ];
    const chosen: Region[] = [];
    for (const region of candidates) {
      if (chosen.length >= count) break;
      if (chosen.every((c) => overlap(c, region) <= MAX_OVERLAP)) chosen.push(region);
    }
    return chosen;
  };
}
