import type { ClipPreprocessor } from '../preprocess/clip-preprocess';

/** What callers and the collection need to know about the model that produced a vector. */
export interface ModelDescriptor {
  /** e.g. clip-vit-b32-laion2b, mobilenetv2-nsfwjs */
  name: string;
  version: string;
  dim: number;
  /** Named vector this model writes (DESIGN.md section 3), e.g. clip_global, mobilenet_global. */
  vectorName: string;
  /** Where inference runs: cpu, cuda, wasm. */
  device: string;
}

export interface ImageModelOutput {
  /** L2-normalised embedding of `descriptor.dim` floats. */
  vector: Float32Array;
  /** P(porn) + P(hentai) + P(sexy), for models that carry the nsfwjs classifier. */
  nsfwScore?: number;
}

export interface ImageModel {
  readonly descriptor: ModelDescriptor;
  /** Turns bytes into this model's input tensor (size, layout, mean/std). */
  readonly preprocessor: ClipPreprocessor;
  /** `count` images already preprocessed back to back in `batch` -> one output per image. */
  run(batch: Float32Array, count: number): Promise<ImageModelOutput[]>;
  dispose(): Promise<void>;
}

export interface TextModel {
  readonly descriptor: ModelDescriptor;
  /** One L2-normalised vector per text. */
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** The subset of Nest's Logger the models use, so tests can pass a spy. */
export interface ModelLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** Scales a vector to unit length in place; a zero vector stays zero rather than becoming NaN. */
export function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}
