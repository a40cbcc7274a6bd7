import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CLIP_MEAN, CLIP_STD } from '../../src/preprocess/clip-preprocess';
import {
  encodeModel,
  floatInfo,
  floatTensor,
  int64Info,
  int64Tensor,
  node,
  seededFloats,
} from '../../src/model/onnx-graph';

export interface ClipTestModelOptions {
  /** Output dimension model.json declares. */
  dim?: number;
  /** What the visual / textual graphs really output (defaults to `dim`), to provoke mismatches. */
  visualDim?: number;
  textDim?: number;
  /** Declare output dims as fixed numbers (true) or symbolic names (false, as many exports do). */
  fixedOutputDims?: boolean;
  /** Side the visual graph accepts; model.json always says 224. */
  visualInputSize?: number;
  /** Give the text graph an `attention_mask` input (as Hugging Face exports have) and a masked mean. */
  attentionMask?: boolean;
  name?: string;
  version?: string;
}

const POOL_GRID = 8;
const TEXT_BUCKETS = 1024;

/**
 * Visual: AveragePool to an 8x8 grid per channel, flatten (192), MatMul + bias -> [N, dim].
 * Small and fast, yet every output depends on the picture's colours and layout.
 */
export function clipTestVisualGraph(size: number, outDim: number, fixedOut: boolean): Uint8Array {
  const features = 3 * POOL_GRID * POOL_GRID;
  const kernel = size / POOL_GRID;
  return encodeModel({
    name: 'clip_test_visual',
    node: [
      node('AveragePool', ['pixel_values'], ['pooled'], {
        kernel_shape: [kernel, kernel],
        strides: [kernel, kernel],
      }),
      node('Reshape', ['pooled', 'flat_shape'], ['flat']),
      node('MatMul', ['flat', 'proj'], ['projected']),
      node('Add', ['projected', 'bias'], ['image_embeds']),
    ],
    initializer: [
      int64Tensor('flat_shape', [2], [0, features]),
      floatTensor('proj', [features, outDim], seededFloats(features * outDim, 1)),
      floatTensor('bias', [outDim], seededFloats(outDim, 2, 0.1)),
    ],
    input: [floatInfo('pixel_values', ['batch', 3, size, size])],
    output: [floatInfo('image_embeds', ['batch', fixedOut ? outDim : 'dim'])],
  });
}

/**
 * Textual: ids folded into 1024 buckets, embedding lookup, mean over the 77 positions -> [N, dim];
 * with `attentionMask`, the mean covers only the positions the mask marks.
 */
export function clipTestTextualGraph(
  contextLength: number,
  outDim: number,
  fixedOut: boolean,
  attentionMask = false,
): Uint8Array {
  const lookup = [
    node('Mod', ['input_ids', 'buckets'], ['bucket_ids']),
    node('Gather', ['token_table', 'bucket_ids'], ['token_vectors'], { axis: 0 }),
  ];
  const pooling = attentionMask
    ? [
        node('Cast', ['attention_mask'], ['mask_f'], { to: 1 }),
        node('Unsqueeze', ['mask_f', 'axis_2'], ['mask_3d']),
        node('Mul', ['token_vectors', 'mask_3d'], ['masked']),
        node('ReduceSum', ['masked', 'axis_1'], ['summed'], { keepdims: 0 }),
        node('ReduceSum', ['mask_f', 'axis_1'], ['counts'], { keepdims: 1 }),
        node('Div', ['summed', 'counts'], ['text_embeds']),
      ]
    : [node('ReduceMean', ['token_vectors'], ['text_embeds'], { axes: [1], keepdims: 0 })];
  return encodeModel({
    name: 'clip_test_textual',
    node: [...lookup, ...pooling],
    initializer: [
      int64Tensor('buckets', [], [TEXT_BUCKETS]),
      int64Tensor('axis_1', [1], [1]),
      int64Tensor('axis_2', [1], [2]),
      floatTensor('token_table', [TEXT_BUCKETS, outDim], seededFloats(TEXT_BUCKETS * outDim, 3)),
    ],
    input: [
      int64Info('input_ids', ['batch', contextLength]),
      ...(attentionMask ? [int64Info('attention_mask', ['batch', contextLength])] : []),
    ],
    output: [floatInfo('text_embeds', ['batch', fixedOut ? outDim : 'dim'])],
  });
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Writes visual.onnx, textual.onnx and a matching model.json into `dir`; returns the manifest written. */
export function writeClipTestModel(dir: string, options: ClipTestModelOptions = {}): Record<string, unknown> {
  const dim = options.dim ?? 512;
  const fixedOut = options.fixedOutputDims ?? true;
  const visual = clipTestVisualGraph(options.visualInputSize ?? 224, options.visualDim ?? dim, fixedOut);
  const textual = clipTestTextualGraph(77, options.textDim ?? dim, fixedOut, options.attentionMask);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'visual.onnx'), visual);
  writeFileSync(join(dir, 'textual.onnx'), textual);
  const manifest = {
    name: options.name ?? 'clip-test-tiny',
    version: options.version ?? '1',
    weights_sha256: { visual: sha256(visual), textual: sha256(textual) },
    input_size: 224,
    mean: [...CLIP_MEAN],
    std: [...CLIP_STD],
    output_dim: dim,
    vector_name: 'clip_global',
  };
  writeFileSync(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
