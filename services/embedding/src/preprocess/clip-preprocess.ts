import type sharp from 'sharp';

import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  type ImageHeader,
  orientedPipeline,
  renderRaw,
} from './image-decode';

/** OpenAI CLIP / OpenCLIP ViT-B/32 normalisation constants (RGB). */
export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/**
 * crop: shortest side to `size`, then the centre square (what CLIP was trained with);
 * pad: the whole picture letterboxed into the square (aspect kept, nothing cut off);
 * squash: stretched to the square (what the nsfwjs MobileNetV2 was trained with).
 */
export type ResizeMode = 'crop' | 'pad' | 'squash';

export interface PreprocessOptions {
  size: number;
  mean: readonly number[];
  std: readonly number[];
  mode: ResizeMode;
  layout: 'nchw' | 'nhwc';
  /** cubic is Catmull-Rom, the same kernel as PIL's BICUBIC that CLIP's torchvision pipeline uses. */
  kernel: 'cubic' | 'linear';
  /**
   * libjpeg's DCT-domain shrink while decoding large JPEGs: several times faster, but it no longer
   * matches a full decode + resample bit for bit. Off by default so CLIP sees what it was trained on.
   */
  fastShrinkOnLoad: boolean;
  limits: DecodeLimits;
}

export const CLIP_PREPROCESS: PreprocessOptions = {
  size: 224,
  mean: CLIP_MEAN,
  std: CLIP_STD,
  mode: 'crop',
  layout: 'nchw',
  kernel: 'cubic',
  fastShrinkOnLoad: false,
  limits: DEFAULT_DECODE_LIMITS,
};

/** A rectangle of the displayed (EXIF-oriented) picture, e.g. a salient crop. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface ResizePlan {
  width: number;
  height: number;
  /** Offset of the `size` square inside the resized picture (crop mode). */
  left: number;
  top: number;
}

/** Python's round(): halves go to the even neighbour, which torchvision's CenterCrop inherits. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Same arithmetic as torchvision Resize(size) + CenterCrop(size), so offsets match the reference. */
export function planResize(width: number, height: number, size: number, mode: ResizeMode): ResizePlan {
  if (mode === 'squash') return { width: size, height: size, left: 0, top: 0 };
  if (mode === 'pad') {
    const scale = size / Math.max(width, height);
    return {
      width: Math.max(1, Math.round(width * scale)),
      height: Math.max(1, Math.round(height * scale)),
      left: 0,
      top: 0,
    };
  }
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const longOut = Math.max(size, Math.trunc((size * long) / short));
  const [w, h] = width <= height ? [size, longOut] : [longOut, size];
  return { width: w, height: h, left: roundHalfEven((w - size) / 2), top: roundHalfEven((h - size) / 2) };
}

/** uint8 RGB (HWC) of a `size` square -> float32 normalised tensor in the requested layout. */
export function normaliseRgb(
  rgb: Uint8Array,
  options: Pick<PreprocessOptions, 'size' | 'mean' | 'std' | 'layout'>,
  out: Float32Array = new Float32Array(3 * options.size * options.size),
  offset = 0,
): Float32Array {
  const { size, mean, std, layout } = options;
  const plane = size * size;
  if (rgb.length !== plane * 3) throw new RangeError(`expected ${plane * 3} RGB bytes, got ${rgb.length}`);
  const scale = [1 / (255 * std[0]), 1 / (255 * std[1]), 1 / (255 * std[2])];
  const shift = [mean[0] / std[0], mean[1] / std[1], mean[2] / std[2]];
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const value = rgb[p * 3 + c] * scale[c] - shift[c];
      out[offset + (layout === 'nchw' ? c * plane + p : p * 3 + c)] = value;
    }
  }
  return out;
}

/**
 * Image bytes -> model input tensor for one image: EXIF orientation applied, alpha flattened on
 * white, sRGB, resized and cropped/padded/squashed to `size`, normalised with the model's mean/std.
 */
export class ClipPreprocessor {
  readonly options: PreprocessOptions;

  constructor(options: Partial<PreprocessOptions> = {}) {
    this.options = { ...CLIP_PREPROCESS, ...options };
  }

  /** Floats per image in the output tensor. */
  get tensorLength(): number {
    return 3 * this.options.size * this.options.size;
  }

  /** The `size` x `size` RGB pixels the model will see (before normalisation). */
  async pixels(bytes: Uint8Array, header: ImageHeader, region?: Region): Promise<Buffer> {
    const { size, mode, kernel, fastShrinkOnLoad, limits, mean } = this.options;
    let pipeline: sharp.Sharp = orientedPipeline(bytes, limits);
    const source = region ?? { left: 0, top: 0, width: header.width, height: header.height };
    if (region) pipeline = pipeline.extract(region);
    const plan = planResize(source.width, source.height, size, mode);
    if (mode === 'pad') {
      // Letterbox with the mean colour, which normalises to zero: the bars carry no signal.
      const background = {
        r: Math.round(mean[0] * 255),
        g: Math.round(mean[1] * 255),
        b: Math.round(mean[2] * 255),
      };
      pipeline = pipeline.resize(size, size, { fit: 'contain', kernel, fastShrinkOnLoad, background });
    } else {
      pipeline = pipeline.resize(plan.width, plan.height, { fit: 'fill', kernel, fastShrinkOnLoad });
      if (mode === 'crop')
        pipeline = pipeline.extract({ left: plan.left, top: plan.top, width: size, height: size });
    }
    const raw = await renderRaw(pipeline, header.format);
    if (raw.width !== size || raw.height !== size || raw.channels !== 3) {
      throw new RangeError(
        `preprocessing produced ${raw.width}x${raw.height}x${raw.channels}, expected ${size}x${size}x3`,
      );
    }
    return raw.data;
  }

  /** Writes one normalised image into `out` at `offset` (a slot of a batch tensor) or a new array. */
  async preprocess(
    bytes: Uint8Array,
    header: ImageHeader,
    region?: Region,
    out?: Float32Array,
    offset = 0,
  ): Promise<Float32Array> {
    const rgb = await this.pixels(bytes, header, region);
    return normaliseRgb(rgb, this.options, out, offset);
  }
}
