import { availableParallelism } from 'node:os';
import { Logger } from '@nestjs/common';
import type * as ort from 'onnxruntime-node';
import type { ClipPreprocessor } from '../preprocess/clip-preprocess';
import type { DecodeLimits } from '../preprocess/image-decode';
import type { ModelLogger } from './embedding-model.port';
import { MOBILENET_ONNX_IO, convertMobileNet } from './mobilenet-onnx';
import {
  loadMobileNetArtifacts,
  MOBILENET_DIM,
  MOBILENET_MODEL_NAME,
  type MobileNetLike,
  mobileNetDescriptor,
  type MobileNetOutput,
  mobileNetOutputs,
  mobileNetPreprocessor,
} from './mobilenet.model';
import { ModelLoadError, ModelShapeError } from './model-errors';
import { OnnxSessionThread } from './onnx-session-thread';

export interface OnnxMobileNetOptions {
  decodeLimits?: DecodeLimits;
  logger?: ModelLogger;
  /** onnxruntime's intra-op threads (default: the machine's cores). */
  intraOpThreads?: number;
}

/**
 * The offline default on onnxruntime-node: nsfwjs' MobileNetV2, converted at load from the same
 * bundled weights (`convertMobileNet`, about a second, nothing written to disk), run multi-threaded
 * with graph optimisations (batch norms folded into the convolutions) on a thread of its own
 * (`OnnxSessionThread`: onnxruntime-node's `run` blocks the thread that calls it). Same
 * name, version and vector as the tfjs model: its features agree with tfjs' within 1e-4 cosine on
 * the dev set (test/mobilenet-onnx.int-spec.ts), so vectors of either runtime share one index.
 */
export class OnnxMobileNetModel implements MobileNetLike {
  private released: Promise<void> | undefined;

  readonly descriptor = mobileNetDescriptor('cpu');

  private constructor(
    private readonly session: OnnxSessionThread,
    readonly preprocessor: ClipPreprocessor,
  ) {}

  static async load(options: OnnxMobileNetOptions = {}): Promise<OnnxMobileNetModel> {
    const logger = options.logger ?? new Logger(OnnxMobileNetModel.name);
    const started = Date.now();
    let session: OnnxSessionThread;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
      // Idle pool threads sleep instead of spinning: the embedded process shares its cores with
      // HTTP, imaging and the index, and a spinning pool would take their CPU between batches.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    };
    try {
      session = await OnnxSessionThread.start(
        await convertMobileNet(loadMobileNetArtifacts()),
        sessionOptions,
      );
    } catch (error) {
      if (error instanceof ModelLoadError) throw error;
      throw new ModelLoadError(`the converted MobileNetV2 could not be loaded: ${String(error)}`, {}, error);
    }
    const model = new OnnxMobileNetModel(session, mobileNetPreprocessor(options.decodeLimits));
    await model.run(new Float32Array(model.preprocessor.tensorLength), 1);
    logger.log(
      `loaded ${MOBILENET_MODEL_NAME} (${MOBILENET_DIM}-d, onnxruntime cpu, converted from the nsfwjs bundle) in ${Date.now() - started} ms`,
    );
    return model;
  }

  async run(batch: Float32Array, count: number): Promise<MobileNetOutput[]> {
    const per = this.preprocessor.tensorLength;
    if (!Number.isInteger(count) || count < 1 || batch.length < count * per) {
      throw new ModelShapeError(
        MOBILENET_ONNX_IO.input,
        [count, 224, 224, 3],
        [batch.length / per, 224, 224, 3],
      );
    }
    // A copy goes to the session's thread (moved, not cloned): the caller keeps its batch.
    const input = batch.slice(0, count * per);
    const results = await this.session.run({
      [MOBILENET_ONNX_IO.input]: { type: 'float32', data: input, dims: [count, 224, 224, 3] },
    });
    const features = results[MOBILENET_ONNX_IO.features]!;
    const probabilities = results[MOBILENET_ONNX_IO.probabilities]!;
    return mobileNetOutputs(
      features.data as Float32Array,
      probabilities.data as Float32Array,
      count,
      features.dims,
    );
  }

  /** Releases the session; safe to call again. */
  async dispose(): Promise<void> {
    this.released ??= this.session.close();
    return this.released;
  }
}
