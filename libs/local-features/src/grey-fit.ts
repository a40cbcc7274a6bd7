import type { CvOps } from './cv-ops';
import type { GreyImage } from './local-features';

/** Contrast stretch between these luminance percentiles: it rescues dark and washed-out copies. */
const STRETCH = { lower: 0.5, upper: 99.5 } as const;

/**
 * The grey image fitted to a long side of `side` (up or down, so copies at any size meet at one
 * scale), by OpenCV in the worker thread: bicubic when it shrinks (the 1024 px analysis luma to
 * 400 px), bilinear when it enlarges. This replaced a libvips resize of the colour pixels and its
 * grey conversion on the service's threads (about 5 ms of CPU per 1024 px upload). On
 * dev-nearcopies bicubic, bilinear and Lanczos keep the recall of the libvips grey image (exact+near
 * 92.8%, all tiers 94.5%); area averaging, which smooths, lost a dark copy (91.5% / 93.3%).
 */
export function fitGrey(ops: CvOps, grey: GreyImage, side: number): GreyImage {
  const long = Math.max(grey.width, grey.height);
  if (long === side) return grey;
  const scale = side / long;
  const width = Math.max(1, Math.round(grey.width * scale));
  const height = Math.max(1, Math.round(grey.height * scale));
  return ops.resize(grey, width, height, scale < 1 ? 'cubic' : 'linear');
}

/**
 * A linear stretch of the grey levels between two percentiles to 0..255, clipped (what sharp's
 * `normalise` does), on the fitted grey image: sharp's own ran its histogram pass over the
 * full-size input and cost about three times the rest of the preparation (BENCHMARKS.md).
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
