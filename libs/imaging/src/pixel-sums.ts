import { join } from 'node:path';
import { OptionalAddon } from '@lookalike/workers';

// Module-level bindings for the per-pixel loops: under Jest 30 every lookup of the global `Math`
// goes through its globals guard and makes these loops about 30 times slower than in production.
const { abs, max, min } = Math;

/**
 * Everything the quality metrics need from the pixels, as exact integers: the luma bytes and
 * their histogram, the clipped and coloured pixel counts, the Laplacian's sums and Crete's blur
 * sums. The metrics are computed from these in TypeScript (quality-metrics.ts), so the two
 * runtimes that add them up (the loops below, or the compiled addon in libs/imaging/native) give
 * the same metrics, bit for bit.
 */
export interface PixelSums {
  /** round(0.299 R + 0.587 G + 0.114 B) per pixel, row-major. */
  luma: Uint8Array;
  histogram: Uint32Array;
  /** Pixels with a channel at `clipLevel` or more. */
  clipped: number;
  /** Pixels whose channels are more than `channelDelta` apart. */
  coloured: number;
  laplacian: LaplacianSums;
  blur: BlurSums;
}

/** Sum and sum of squares of the unscaled 4-neighbour Laplacian over the interior (0 below 3x3). */
export interface LaplacianSums {
  sum: number;
  sumSq: number;
}

/**
 * Crete's blur sums along rows (h) and down columns (v): the variation between neighbours, and
 * twice the positive part of `kernel` times what a `kernel`-pixel box blur keeps of it.
 */
export interface BlurSums {
  variationH: number;
  keptH2: number;
  variationV: number;
  keptV2: number;
}

export interface PixelSumsParams {
  clipLevel: number;
  channelDelta: number;
  /** The box blur's width (odd). */
  kernel: number;
}

/** Who adds the sums up: the compiled addon (about 4x faster) or the TypeScript loops. */
export type PixelRuntime = 'native' | 'js';
export type PixelRuntimeChoice = 'auto' | PixelRuntime;

/** Luma and the colour statistics of one pass over the pixels (`pixelStatistics`). */
export interface PixelStatistics {
  luma: Uint8Array;
  histogram: Uint32Array;
  clipped: number;
  coloured: number;
}

/**
 * One pass over the RGB pixels: luma, round(0.299 R + 0.587 G + 0.114 B) (the Uint8Array store
 * truncates x + 0.5), its histogram, and the counts of clipped (a channel at `clipLevel` or more)
 * and coloured (channels more than `channelDelta` apart) pixels; shadows are read off the histogram
 * (`shadowsOf`). The counts add comparisons as numbers instead of branching on them (data-dependent
 * branches are mispredicted often on photos), and the brightest and darkest channel are picked by
 * comparisons rather than Math.max/min of three. Per 1024 px photo in one thread, identical
 * results: 15.4 -> 11.3 ms with the branch-free blur sums below, then 13.6 -> 9.7 ms for this pass
 * (40 ingest-bench files).
 */
export function pixelStatistics(
  data: Uint8Array,
  count: number,
  clipLevel: number,
  channelDelta: number,
): PixelStatistics {
  const luma = new Uint8Array(count);
  const histogram = new Uint32Array(256);
  let clipped = 0;
  let coloured = 0;
  for (let i = 0, p = 0; i < count; i += 1, p += 3) {
    const r = data[p];
    const g = data[p + 1];
    const b = data[p + 2];
    const y = lumaByte(r, g, b);
    luma[i] = y;
    histogram[y] += 1;
    const brightest = r > g ? (r > b ? r : b) : g > b ? g : b;
    const darkest = r < g ? (r < b ? r : b) : g < b ? g : b;
    clipped += +(brightest >= clipLevel);
    coloured += +(brightest - darkest > channelDelta);
  }
  return { luma, histogram, clipped, coloured };
}

/** Pixels with luma at `shadowLevel` or less, read off the histogram. */
export function shadowsOf(histogram: Uint32Array, shadowLevel: number): number {
  let shadows = 0;
  for (let level = 0; level <= shadowLevel && level < 256; level += 1) shadows += histogram[level];
  return shadows;
}

/** BT.601 luma of one pixel, rounded half up (`| 0` truncates the non-negative x + 0.5). */
export function lumaByte(r: number, g: number, b: number): number {
  return (0.299 * r + 0.587 * g + 0.114 * b + 0.5) | 0;
}

/** Integer sums of the (unscaled) 4-neighbour Laplacian: exact, scaled to 0..1 units by the caller. */
export function laplacianSums(luma: Uint8Array, width: number, height: number): LaplacianSums {
  let sum = 0;
  let sumSq = 0;
  if (width < 3 || height < 3) return { sum, sumSq };
  for (let y = 1; y < height - 1; y += 1) {
    const row = y * width;
    for (let i = row + 1, end = row + width - 1; i < end; i += 1) {
      const value = luma[i - 1] + luma[i + 1] + luma[i - width] + luma[i + width] - 4 * luma[i];
      sum += value;
      sumSq += value * value;
    }
  }
  return { sum, sumSq };
}

/**
 * Crete's blur sums (see `blurEffect` in quality-metrics.ts). Along a line, with the ends
 * repeated, the change of the box-blurred value from one pixel to the next is
 * (L[k + r] - L[k - 1 - r]) / kernel (r the radius, indices clamped to the line), so no blurred
 * copy is made: `kernel * kept` is summed in integers, row by row for both axes (the vertical
 * pass reads four whole rows at a time instead of striding down columns).
 */
export function blurSums(luma: Uint8Array, width: number, height: number, kernel: number): BlurSums {
  const radius = (kernel - 1) / 2;
  // `kept + |kept|` is twice the positive part: summed without a branch on the pixel values (a
  // data-dependent branch here is mispredicted about half the time), halved by the caller.
  let variationH = 0;
  let keptH2 = 0;
  // Along a row the window is clamped only near its ends: the columns up to `head` clamp behind,
  // those from `tail` clamp ahead, and the loop between them indexes without a test.
  const head = min(radius + 1, width - 1);
  const tail = max(head + 1, width - radius);
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    const last = row + width - 1;
    for (let x = 1; x < width; x += 1) {
      if (x > head && x < tail) {
        // The interior: ahead = i + radius, behind = i - 1 - radius, both inside the row.
        const end = row + tail;
        for (let i = row + x; i < end; i += 1) {
          const d = abs(luma[i] - luma[i - 1]);
          variationH += d;
          const kept = kernel * d - abs(luma[i + radius] - luma[i - 1 - radius]);
          keptH2 += kept + abs(kept);
        }
        x = tail - 1;
        continue;
      }
      const i = row + x;
      const d = abs(luma[i] - luma[i - 1]);
      const ahead = x + radius < width ? i + radius : last;
      const behind = x - 1 - radius > 0 ? i - 1 - radius : row;
      variationH += d;
      const kept = kernel * d - abs(luma[ahead] - luma[behind]);
      keptH2 += kept + abs(kept);
    }
  }
  let variationV = 0;
  let keptV2 = 0;
  for (let y = 1; y < height; y += 1) {
    const here = y * width;
    const above = here - width;
    const ahead = min(y + radius, height - 1) * width;
    const behind = max(y - 1 - radius, 0) * width;
    for (let x = 0; x < width; x += 1) {
      const d = abs(luma[here + x] - luma[above + x]);
      variationV += d;
      const kept = kernel * d - abs(luma[ahead + x] - luma[behind + x]);
      keptV2 += kept + abs(kept);
    }
  }
  return { variationH, keptH2, variationV, keptV2 };
}

/** The sums by the TypeScript loops. */
export function pixelSumsJs(
  data: Uint8Array,
  width: number,
  height: number,
  params: PixelSumsParams,
): PixelSums {
  const stats = pixelStatistics(data, width * height, params.clipLevel, params.channelDelta);
  return {
    luma: stats.luma,
    histogram: stats.histogram,
    clipped: stats.clipped,
    coloured: stats.coloured,
    laplacian: laplacianSums(stats.luma, width, height),
    blur: blurSums(stats.luma, width, height, params.kernel),
  };
}

/** The addon's arguments: the pixels, their size, the params (nativeParams), and where to write. */
type AddonSumsArgs = [
  rgb: Uint8Array,
  width: number,
  height: number,
  clipLevel: number,
  channelDelta: number,
  kernel: number,
  luma: Uint8Array,
  histogram: Uint32Array,
];

interface ImagingAddon {
  pixelSums(...args: AddonSumsArgs): Float64Array;
  /** The same on libuv's thread pool; the arrays must not be written until it settles. */
  pixelSumsAsync(...args: AddonSumsArgs): Promise<Float64Array>;
}

/** The compiled addon, built by `make build` (scripts/build-native.sh) wherever a C++ compiler is. */
export const IMAGING_ADDON_PATH = join(__dirname, '../native/build/Release/lookalike_imaging.node');

const addon = new OptionalAddon<ImagingAddon>(IMAGING_ADDON_PATH, 'the compiled quality pass');
const loadAddon = () => addon.get();

/**
 * The runtime a choice comes to in this process: `auto` is native when the addon loads. Naming
 * `native` where it cannot load is a configuration error, said at start-up.
 */
export function resolvePixelRuntime(choice: PixelRuntimeChoice = 'auto'): PixelRuntime {
  return addon.runtime(
    choice,
    'js',
    'run make build (it needs a C++ compiler), or set QUALITY_PASS_RUNTIME=js or auto',
  );
}

/**
 * The runtimes this machine should run (the tests take each): the TypeScript loops always, and
 * native where its addon is built. Like the addon, a C++ compiler is all it needs.
 */
export function pixelRuntimesHere(): PixelRuntime[] {
  return loadAddon() ? ['native', 'js'] : ['js'];
}

/**
 * The sums of 3-channel pixels, on the runtime chosen (`auto`: native when built), on the calling
 * thread.
 */
export function pixelSums(
  data: Uint8Array,
  width: number,
  height: number,
  params: PixelSumsParams,
  runtime: PixelRuntimeChoice = 'auto',
): PixelSums {
  const native = resolvePixelRuntime(runtime) === 'native' ? loadAddon() : null;
  if (!native) return pixelSumsJs(data, width, height, params);
  const out = sumsOut(width, height);
  return withSums(
    out,
    native.pixelSums(data, width, height, ...nativeParams(params), out.luma, out.histogram),
  );
}

/**
 * `pixelSums`, with the compiled loops on libuv's thread pool: the pixels are read where they lie,
 * nothing is copied to a worker thread, and the event loop only waits. The TypeScript loops run on
 * the calling thread (put them in a `PixelAnalysisPool` to keep them off it). The same sums either
 * way; `data` must not change until the promise settles.
 */
export async function pixelSumsOffThread(
  data: Uint8Array,
  width: number,
  height: number,
  params: PixelSumsParams,
  runtime: PixelRuntimeChoice = 'auto',
): Promise<PixelSums> {
  const native = resolvePixelRuntime(runtime) === 'native' ? loadAddon() : null;
  if (!native) return pixelSumsJs(data, width, height, params);
  const out = sumsOut(width, height);
  const sums = await native.pixelSumsAsync(
    data,
    width,
    height,
    ...nativeParams(params),
    out.luma,
    out.histogram,
  );
  return withSums(out, sums);
}

const nativeParams = (params: PixelSumsParams): [number, number, number] => [
  params.clipLevel,
  params.channelDelta,
  params.kernel,
];

const sumsOut = (width: number, height: number) => ({
  luma: new Uint8Array(width * height),
  histogram: new Uint32Array(256),
});

function withSums(out: { luma: Uint8Array; histogram: Uint32Array }, sums: Float64Array): PixelSums {
  const [clipped, coloured, sum, sumSq, variationH, keptH2, variationV, keptV2] = sums;
  return {
    ...out,
    clipped,
    coloured,
    laplacian: { sum, sumSq },
    blur: { variationH, keptH2, variationV, keptV2 },
  };
}
