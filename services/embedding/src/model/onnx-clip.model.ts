import { availableParallelism } from 'node:os';
import { join } from 'node:path';

import { Logger } from '@nestjs/common';
import type * as ort from 'onnxruntime-node';

import { ClipPreprocessor } from '../preprocess/clip-preprocess';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../preprocess/image-decode';
import { CLIP_END_TOKEN, ClipTokenizer } from '../tokenizer/clip-tokenizer';
import {
  type ImageModel,
  type ImageModelOutput,
  type ModelDescriptor,
  type ModelLogger,
  type TextModel,
  l2Normalise,
} from './embedding-model.port';
import { OnnxSessionThread } from './onnx-session-thread';
import type { TensorData } from './onnx-session-worker';
import { ModelLoadError, ModelShapeError } from './model-errors';
import { type ModelManifest, TEXTUAL_FILE, VISUAL_FILE, readManifest, verifyWeights } from './model-manifest';

export type ModelDevice = 'cpu' | 'cuda';

export interface OnnxClipOptions {
  /** Directory with visual.onnx, textual.onnx and model.json. */
  modelDir: string;
  device?: ModelDevice;
  /** Threads one operator may use; defaults to the core count. */
  intraOpThreads?: number;
  /** Threads for independent graph branches; 1 suits CLIP's sequential graphs. */
  interOpThreads?: number;
  /** Hash both graphs against model.json before loading (about 1 s per 300 MB). */
  verifyHashes?: boolean;
  fastShrinkOnLoad?: boolean;
  decodeLimits?: DecodeLimits;
  /** Tokenizer with the vocabulary the text graph was trained with; the bundled CLIP BPE by default. */
  tokenizer?: ClipTokenizer;
  logger?: ModelLogger;
}

interface GraphIo {
  input: string;
  output: string;
  /** Name of the attention-mask input, when the text graph has one. */
  mask?: string;
}

/** A dimension from ONNX metadata: a number when fixed, a name (or -1) when symbolic. */
type Dim = number | string;

const fixed = (dim: Dim | undefined): dim is number => typeof dim === 'number' && dim >= 0;

function pickTensor(
  values: readonly ort.InferenceSession.ValueMetadata[],
  wanted: string | undefined,
  graph: string,
  role: 'input' | 'output',
): ort.InferenceSession.TensorValueMetadata {
  const names = values.map((v) => v.name);
  const meta = wanted ? values.find((v) => v.name === wanted) : values.length === 1 ? values[0] : undefined;
  if (!meta) {
    const hint = wanted
      ? `has no ${role} named ${wanted}`
      : `has ${values.length} ${role}s and model.json names none`;
    throw new ModelLoadError(`${graph} ${hint} (${role}s: ${names.join(', ') || 'none'})`, {
      graph,
      role,
      names,
    });
  }
  if (!meta.isTensor)
    throw new ModelLoadError(`${graph} ${role} ${meta.name} is not a tensor`, { graph, role });
  return meta;
}

function checkSignature(
  graph: string,
  meta: ort.InferenceSession.TensorValueMetadata,
  types: readonly string[],
  expected: readonly Dim[],
): void {
  const shape = meta.shape as readonly Dim[];
  const shapeOk =
    shape.length === expected.length &&
    expected.every((want, i) => !fixed(want) || !fixed(shape[i]) || shape[i] === want);
  if (!types.includes(meta.type) || !shapeOk) {
    throw new ModelLoadError(
      `${graph} ${meta.name} is ${meta.type} [${shape.join(', ')}], expected ${types.join('|')} [${expected.join(', ')}]`,
      { graph, tensor: meta.name, type: meta.type, shape, expectedShape: expected },
    );
  }
}

/**
 * OpenCLIP/OpenAI CLIP exported as two ONNX graphs and run with onnxruntime-node: images and texts
 * to L2-normalised vectors in one shared space.
 */
export class OnnxClipModel implements ImageModel, TextModel {
  private released: Promise<void> | undefined;

  private constructor(
    readonly descriptor: ModelDescriptor,
    readonly manifest: ModelManifest,
    readonly preprocessor: ClipPreprocessor,
    private readonly tokenizer: ClipTokenizer,
    private readonly visual: OnnxSessionThread,
    private readonly textual: OnnxSessionThread,
    private readonly visualIo: GraphIo,
    private readonly textualIo: GraphIo,
    private readonly idsType: 'int64' | 'int32',
  ) {}

  static async load(options: OnnxClipOptions): Promise<OnnxClipModel> {
    const logger = options.logger ?? new Logger(OnnxClipModel.name);
    const { modelDir } = options;
    const manifest = readManifest(modelDir);
    if (options.verifyHashes ?? true) await verifyWeights(modelDir, manifest);

    const base: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
      interOpNumThreads: options.interOpThreads ?? 1,
      graphOptimizationLevel: 'all',
      // onnxruntime prints its own provider errors; we log one warning of our own instead.
      logSeverityLevel: 3,
    };
    const open = async (file: string, providers: string[]): Promise<OnnxSessionThread> => {
      try {
        return await OnnxSessionThread.start(join(modelDir, file), {
          ...base,
          executionProviders: providers,
        });
      } catch (error) {
        if (providers.includes('cuda')) throw error;
        throw new ModelLoadError(
          `${join(modelDir, file)} could not be loaded by onnxruntime: ${String(error)}`,
          { file },
          error,
        );
      }
    };

    let device: ModelDevice = options.device ?? 'cpu';
    let visual: OnnxSessionThread;
    if (device === 'cuda') {
      try {
        visual = await open(VISUAL_FILE, ['cuda', 'cpu']);
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
        logger.warn(
          `MODEL_DEVICE=cuda requested, but the CUDA execution provider is unavailable (${reason}); running on CPU`,
        );
        device = 'cpu';
        visual = await open(VISUAL_FILE, ['cpu']);
      }
    } else {
      visual = await open(VISUAL_FILE, ['cpu']);
    }
    const textual = await open(TEXTUAL_FILE, device === 'cuda' ? ['cuda', 'cpu'] : ['cpu']);

    const size = manifest.input_size;
    const dim = manifest.output_dim;
    const vIn = pickTensor(visual.inputMetadata, manifest.visual_input, VISUAL_FILE, 'input');
    const vOut = pickTensor(visual.outputMetadata, manifest.visual_output, VISUAL_FILE, 'output');
    // Hugging Face / optimum exports also take an attention mask; it is fed from the token positions.
    const mask = textual.inputMetadata.find(
      (v) => v.name === 'attention_mask' && v.name !== manifest.textual_input,
    );
    const textInputs = textual.inputMetadata.filter((v) => v !== mask);
    const tIn = pickTensor(textInputs, manifest.textual_input, TEXTUAL_FILE, 'input');
    const tOut = pickTensor(textual.outputMetadata, manifest.textual_output, TEXTUAL_FILE, 'output');
    checkSignature(VISUAL_FILE, vIn, ['float32'], ['N', 3, size, size]);
    checkSignature(VISUAL_FILE, vOut, ['float32'], ['N', dim]);
    checkSignature(TEXTUAL_FILE, tIn, ['int64', 'int32'], ['N', manifest.context_length]);
    if (mask)
      checkSignature(
        TEXTUAL_FILE,
        pickTensor([mask], mask.name, TEXTUAL_FILE, 'input'),
        [tIn.type],
        ['N', manifest.context_length],
      );
    checkSignature(TEXTUAL_FILE, tOut, ['float32'], ['N', dim]);

    const tokenizer = options.tokenizer ?? new ClipTokenizer({ contextLength: manifest.context_length });
    if (tokenizer.contextLength !== manifest.context_length) {
      throw new ModelLoadError(
        `the tokenizer's context length ${tokenizer.contextLength} differs from model.json's ${manifest.context_length}`,
      );
    }
    const preprocessor = new ClipPreprocessor({
      size,
      mean: manifest.mean,
      std: manifest.std,
      mode: manifest.resize_mode,
      layout: 'nchw',
      kernel: 'cubic',
      fastShrinkOnLoad: options.fastShrinkOnLoad ?? false,
      limits: options.decodeLimits ?? DEFAULT_DECODE_LIMITS,
    });
    const model = new OnnxClipModel(
      { name: manifest.name, version: manifest.version, dim, vectorName: manifest.vector_name, device },
      manifest,
      preprocessor,
      tokenizer,
      visual,
      textual,
      { input: vIn.name, output: vOut.name },
      { input: tIn.name, output: tOut.name, mask: mask?.name },
      tIn.type === 'int32' ? 'int32' : 'int64',
    );
    // Symbolic dimensions hide mistakes until the first run, so run once now rather than on a user's request.
    try {
      await model.run(new Float32Array(preprocessor.tensorLength), 1);
      await model.embedTexts(['']);
    } catch (error) {
      await model.dispose();
      if (error instanceof ModelShapeError) {
        throw new ModelLoadError(
          `${modelDir} does not produce CLIP-shaped outputs: ${error.message}`,
          error.details,
          error,
        );
      }
      throw error;
    }
    logger.log(`loaded ${manifest.name} ${manifest.version} (${dim}-d) from ${modelDir} on ${device}`);
    return model;
  }

  async run(batch: Float32Array, count: number): Promise<ImageModelOutput[]> {
    const size = this.manifest.input_size;
    const per = this.preprocessor.tensorLength;
    if (!Number.isInteger(count) || count < 1 || batch.length < count * per) {
      throw new ModelShapeError(
        this.visualIo.input,
        [count, 3, size, size],
        [batch.length / per, 3, size, size],
      );
    }
    // A copy goes to the session's thread (moved, not cloned): the caller keeps its batch.
    const input: TensorData = {
      type: 'float32',
      data: batch.slice(0, count * per),
      dims: [count, 3, size, size],
    };
    const vectors = await this.infer(this.visual, this.visualIo, { [this.visualIo.input]: input }, count);
    return vectors.map((vector) => ({ vector }));
  }

  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const ids = this.tokenizer.tokenizeBatch(texts);
    const length = this.tokenizer.contextLength;
    const shape = [texts.length, length];
    const tensor = (values: BigInt64Array): TensorData =>
      this.idsType === 'int64'
        ? { type: 'int64', data: values, dims: shape }
        : { type: 'int32', data: Int32Array.from(values, Number), dims: shape };
    const feeds: Record<string, TensorData> = { [this.textualIo.input]: tensor(ids) };
    if (this.textualIo.mask) {
      // 1 up to and including the end token; the zero padding after it is masked out.
      const mask = new BigInt64Array(ids.length);
      for (let row = 0; row < texts.length; row++) {
        const end = ids.subarray(row * length, (row + 1) * length).indexOf(BigInt(CLIP_END_TOKEN));
        mask.fill(1n, row * length, row * length + end + 1);
      }
      feeds[this.textualIo.mask] = tensor(mask);
    }
    return this.infer(this.textual, this.textualIo, feeds, texts.length);
  }

  /** Releases both sessions; safe to call again (a second call does nothing). */
  async dispose(): Promise<void> {
    this.released ??= Promise.all([this.visual.close(), this.textual.close()]).then(() => undefined);
    return this.released;
  }

  private async infer(
    session: OnnxSessionThread,
    io: GraphIo,
    feeds: Record<string, TensorData>,
    count: number,
  ): Promise<Float32Array[]> {
    const results = await session.run(feeds);
    const output = results[io.output]!;
    const dim = this.descriptor.dim;
    if (
      output.type !== 'float32' ||
      output.dims.length !== 2 ||
      output.dims[0] !== count ||
      output.dims[1] !== dim
    ) {
      throw new ModelShapeError(`${io.output} (${output.type})`, [count, dim], output.dims);
    }
    const data = output.data;
    return Array.from({ length: count }, (_, i) => l2Normalise(data.slice(i * dim, (i + 1) * dim)));
  }
}
