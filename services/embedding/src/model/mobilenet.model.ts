import { dirname, join } from 'node:path';

import { Logger } from '@nestjs/common';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { ClipPreprocessor } from '../preprocess/clip-preprocess';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../preprocess/image-decode';
import {
  type ImageModel,
  type ImageModelOutput,
  type ModelDescriptor,
  type ModelLogger,
  l2Normalise,
} from './embedding-model.port';
import { ModelLoadError, ModelShapeError } from './model-errors';

export const MOBILENET_MODEL_NAME = 'mobilenetv2-nsfwjs';
export const MOBILENET_VECTOR_NAME = 'mobilenet_global';
export const MOBILENET_DIM = 1280;
const INPUT_SIZE = 224;

/** nsfwjs class order (dist/cjs/nsfw_classes.js): Drawing, Hentai, Neutral, Porn, Sexy. */
export const NSFW_CLASSES = ['drawing', 'hentai', 'neutral', 'porn', 'sexy'] as const;
const UNSAFE_CLASSES = [1, 3, 4];
/** The pooled 7x7x1280 features, flattened: the layer the nsfwjs classifier head starts from. */
export const MOBILENET_FEATURE_LAYER = 'flatten_1';

export interface MobileNetOptions {
  decodeLimits?: DecodeLimits;
  logger?: ModelLogger;
}

/** MobileNetV2 on either runtime: its outputs carry the NSFW classifier's probabilities. */
export interface MobileNetLike extends ImageModel {
  run(batch: Float32Array, count: number): Promise<MobileNetOutput[]>;
}

/** Where the offline MobileNetV2 runs: onnxruntime (converted at load; the default) or tfjs-wasm. */
export type MobileNetRuntime = 'onnx' | 'tfjs';

export interface MobileNetOutput extends ImageModelOutput {
  nsfwScore: number;
  /** Softmax over NSFW_CLASSES. */
  probabilities: Float32Array;
}

interface KerasModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

let backendReady: Promise<void> | undefined;

/**
 * The wasm backend (XNNPACK, SIMD) is some 20x faster than tfjs' pure-JS CPU kernels. Its binaries
 * ship inside the npm package; pointing at them as files keeps the service free of any download.
 */
export function useWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    const file = (name: string): string => join(dist, name);
    setWasmPaths({
      'tfjs-backend-wasm.wasm': file('tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': file('tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': file('tfjs-backend-wasm-threaded-simd.wasm'),
    });
    if (!(await tf.setBackend('wasm')))
      throw new ModelLoadError('the tfjs wasm backend failed to initialise');
    await tf.ready();
  })().catch((error: unknown) => {
    backendReady = undefined;
    throw error;
  });
  return backendReady;
}

/**
 * The model and weights nsfwjs bundles as UMD scripts. Loaded with a plain require: nsfwjs' own
 * loader wraps the 3.5 MB base64 string in an ES-module namespace copy, which takes ~10 s.
 */
export function loadMobileNetArtifacts(): tf.io.ModelArtifacts {
  const models = join(dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const modelJson = require(join(models, 'model.min.js')) as KerasModelJson;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shard = require(join(models, 'group1-shard1of1.min.js')) as unknown;
  if (typeof shard !== 'string' || !modelJson.modelTopology) {
    throw new ModelLoadError(`the MobileNetV2 bundle in ${models} is not in the expected nsfwjs 4.x format`);
  }
  const weights = Buffer.from(shard, 'base64');
  return {
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
}

/**
 * The model as callers and the collection know it, on either runtime: the same name, version and
 * named vector (their vectors agree within 1e-4 cosine), only the device differs.
 */
export function mobileNetDescriptor(device: string): ModelDescriptor {
  return {
    name: MOBILENET_MODEL_NAME,
    version: 'nsfwjs-4.4.0',
    dim: MOBILENET_DIM,
    vectorName: MOBILENET_VECTOR_NAME,
    device,
  };
}

/** The training pipeline fed the whole picture stretched to 224 with values in [0, 1], NHWC. */
export function mobileNetPreprocessor(decodeLimits: DecodeLimits = DEFAULT_DECODE_LIMITS): ClipPreprocessor {
  return new ClipPreprocessor({
    size: INPUT_SIZE,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    mode: 'squash',
    layout: 'nhwc',
    kernel: 'linear',
    fastShrinkOnLoad: true,
    limits: decodeLimits,
  });
}

/**
 * One output per image from the network's two outputs for a batch: the pooled features
 * (L2-normalised, the embedding) and the softmax over NSFW_CLASSES (the NSFW score).
 */
export function mobileNetOutputs(
  features: Float32Array,
  probabilities: Float32Array,
  count: number,
  featureShape: readonly number[],
): MobileNetOutput[] {
  if (features.length !== count * MOBILENET_DIM || probabilities.length !== count * NSFW_CLASSES.length) {
    throw new ModelShapeError(MOBILENET_FEATURE_LAYER, [count, MOBILENET_DIM], [...featureShape]);
  }
  return Array.from({ length: count }, (_, i) => {
    const probs = probabilities.slice(i * NSFW_CLASSES.length, (i + 1) * NSFW_CLASSES.length);
    return {
      vector: l2Normalise(features.slice(i * MOBILENET_DIM, (i + 1) * MOBILENET_DIM)),
      probabilities: probs,
      nsfwScore: Math.min(
        1,
        UNSAFE_CLASSES.reduce((sum, c) => sum + probs[c]!, 0),
      ),
    };
  });
}

/**
 * The offline default: nsfwjs' pretrained MobileNetV2 on tfjs-wasm. One pass gives the 1280-d pooled
 * features (L2-normalised, the image embedding) and the 5-way classifier (the NSFW score).
 */
export class MobileNetModel implements MobileNetLike {
  private disposed = false;

  readonly descriptor = mobileNetDescriptor('cpu-wasm');

  private constructor(
    private readonly network: tf.LayersModel,
    readonly preprocessor: ClipPreprocessor,
  ) {}

  static async load(options: MobileNetOptions = {}): Promise<MobileNetModel> {
    const logger = options.logger ?? new Logger(MobileNetModel.name);
    const started = Date.now();
    await useWasmBackend();
    let network: tf.LayersModel;
    try {
      const base = await tf.loadLayersModel(tf.io.fromMemory(loadMobileNetArtifacts()));
      network = tf.model({
        inputs: base.inputs,
        outputs: [base.getLayer(MOBILENET_FEATURE_LAYER).output, base.outputs[0]] as tf.SymbolicTensor[],
      });
    } catch (error) {
      if (error instanceof ModelLoadError) throw error;
      throw new ModelLoadError(`the bundled MobileNetV2 could not be loaded: ${String(error)}`, {}, error);
    }
    const preprocessor = mobileNetPreprocessor(options.decodeLimits);
    const model = new MobileNetModel(network, preprocessor);
    await model.run(new Float32Array(preprocessor.tensorLength), 1);
    logger.log(
      `loaded ${MOBILENET_MODEL_NAME} (${MOBILENET_DIM}-d, tfjs ${tf.getBackend()}) in ${Date.now() - started} ms`,
    );
    return model;
  }

  async run(batch: Float32Array, count: number): Promise<MobileNetOutput[]> {
    const per = this.preprocessor.tensorLength;
    if (!Number.isInteger(count) || count < 1 || batch.length < count * per) {
      throw new ModelShapeError(
        'input_1',
        [count, INPUT_SIZE, INPUT_SIZE, 3],
        [batch.length / per, INPUT_SIZE, INPUT_SIZE, 3],
      );
    }
    const [features, probabilities] = tf.tidy(() => {
      const input = tf.tensor4d(batch.subarray(0, count * per), [count, INPUT_SIZE, INPUT_SIZE, 3]);
      return this.network.predict(input) as tf.Tensor[];
    });
    try {
      const [f, p] = await Promise.all([features.data<'float32'>(), probabilities.data<'float32'>()]);
      return mobileNetOutputs(f, p, count, features.shape);
    } finally {
      features.dispose();
      probabilities.dispose();
    }
  }

  /** Frees the network; safe to call again (a second call does nothing). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.network.dispose();
  }
}
