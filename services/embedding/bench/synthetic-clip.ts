import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { onnx } from 'onnx-proto';

import { CLIP_MEAN, CLIP_STD } from '../src/preprocess/clip-preprocess';
import {
  encodeModel,
  floatInfo,
  floatTensor,
  int64Info,
  int64Tensor,
  int8Tensor,
  node,
  seededFloats,
} from '../src/model/onnx-graph';

/**
 * A stand-in with ViT-B/32's interface and roughly its arithmetic (real weights cannot be downloaded
 * here): 32x32 patches -> 768-d tokens, `depth` residual MLP blocks of the transformer's widths,
 * pooled and projected to 512. About 5 GMAC per image at depth 12 (ViT-B/32: 4.4). The text side
 * does the same over 77 tokens at width 512 (~3.4 GMAC; CLIP's text tower: ~3).
 * Blocks share their weights so the files stay small; the arithmetic per block is unchanged.
 */

type Precision = 'fp32' | 'int8';

interface Builder {
  nodes: onnx.INodeProto[];
  inits: onnx.ITensorProto[];
  count: number;
}

function fresh(b: Builder, stem: string): string {
  b.count += 1;
  return `${stem}_${b.count}`;
}

/** Adds a weight once per name (shared across blocks). */
function weight(
  b: Builder,
  name: string,
  rows: number,
  cols: number,
  precision: Precision,
  seed: number,
): void {
  if (b.inits.some((t) => t.name === `${name}_w`)) return;
  const scale = Math.sqrt(2 / rows);
  const w = seededFloats(rows * cols, seed, scale);
  if (precision === 'fp32') {
    b.inits.push(floatTensor(`${name}_w`, [rows, cols], w));
    return;
  }
  // Symmetric per-tensor int8, as onnxruntime's quantize_dynamic writes for MatMul weights.
  const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const q = Int8Array.from(w, (v) => Math.max(-127, Math.min(127, Math.round((v / max) * 127))));
  b.inits.push(int8Tensor(`${name}_w`, [rows, cols], q));
  b.inits.push(floatTensor(`${name}_ws`, [], Float32Array.of(max / 127)));
  b.inits.push(int8Tensor(`${name}_wz`, [], Int8Array.of(0)));
}

/** x @ W, in float or as DynamicQuantizeLinear + MatMulInteger + rescale. */
function matmul(
  b: Builder,
  x: string,
  name: string,
  rows: number,
  cols: number,
  p: Precision,
  seed: number,
): string {
  weight(b, name, rows, cols, p, seed);
  const out = fresh(b, name);
  if (p === 'fp32') {
    b.nodes.push(node('MatMul', [x, `${name}_w`], [out]));
    return out;
  }
  const [xq, xs, xz, acc, accF, scaled] = ['xq', 'xs', 'xz', 'acc', 'accf', 'sc'].map((s) =>
    fresh(b, `${name}_${s}`),
  );
  b.nodes.push(
    node('DynamicQuantizeLinear', [x], [xq, xs, xz]),
    node('MatMulInteger', [xq, `${name}_w`, xz, `${name}_wz`], [acc]),
    node('Cast', [acc], [accF], { to: 1 }),
    node('Mul', [accF, xs], [scaled]),
    node('Mul', [scaled, `${name}_ws`], [out]),
  );
  return out;
}

/** Residual MLP block: x + W2 relu(W1 x). */
function block(
  b: Builder,
  x: string,
  name: string,
  width: number,
  hidden: number,
  p: Precision,
  seed: number,
): string {
  const h = matmul(b, x, `${name}_up`, width, hidden, p, seed);
  const r = fresh(b, `${name}_relu`);
  b.nodes.push(node('Relu', [h], [r]));
  const down = matmul(b, r, `${name}_down`, hidden, width, p, seed + 1);
  const out = fresh(b, `${name}_res`);
  b.nodes.push(node('Add', [x, down], [out]));
  return out;
}

export function syntheticVisual(depth: number, p: Precision): Uint8Array {
  const b: Builder = { nodes: [], inits: [], count: 0 };
  b.inits.push(
    int64Tensor('patch_shape', [6], [0, 3, 7, 32, 7, 32]),
    int64Tensor('token_shape', [3], [0, 49, 3072]),
  );
  b.nodes.push(
    node('Reshape', ['pixel_values', 'patch_shape'], ['patches6']),
    node('Transpose', ['patches6'], ['patches6t'], { perm: [0, 2, 4, 1, 3, 5] }),
    node('Reshape', ['patches6t', 'token_shape'], ['patches']),
  );
  let x = matmul(b, 'patches', 'patch_embed', 3072, 768, p, 10);
  for (let i = 0; i < depth; i++) {
    x = block(b, x, 'attn', 768, 2304, p, 20);
    x = block(b, x, 'mlp', 768, 3072, p, 30);
  }
  b.nodes.push(node('ReduceMean', [x], ['pooled'], { axes: [1], keepdims: 0 }));
  const out = matmul(b, 'pooled', 'proj', 768, 512, 'fp32', 40);
  b.nodes.push(node('Identity', [out], ['image_embeds']));
  return encodeModel({
    name: `synthetic_vit_b32_${p}`,
    node: b.nodes,
    initializer: b.inits,
    input: [floatInfo('pixel_values', ['batch', 3, 224, 224])],
    output: [floatInfo('image_embeds', ['batch', 512])],
  });
}

export function syntheticTextual(depth: number, p: Precision): Uint8Array {
  const b: Builder = { nodes: [], inits: [], count: 0 };
  b.inits.push(
    int64Tensor('buckets', [], [4096]),
    floatTensor('token_table', [4096, 512], seededFloats(4096 * 512, 50)),
  );
  b.nodes.push(
    node('Mod', ['input_ids', 'buckets'], ['bucket_ids']),
    node('Gather', ['token_table', 'bucket_ids'], ['tokens'], { axis: 0 }),
  );
  let x = 'tokens';
  for (let i = 0; i < depth; i++) {
    x = block(b, x, 'attn', 512, 1536, p, 60);
    x = block(b, x, 'mlp', 512, 2048, p, 70);
  }
  b.nodes.push(node('ReduceMean', [x], ['pooled'], { axes: [1], keepdims: 0 }));
  const out = matmul(b, 'pooled', 'proj', 512, 512, 'fp32', 80);
  b.nodes.push(node('Identity', [out], ['text_embeds']));
  return encodeModel({
    name: `synthetic_text_${p}`,
    node: b.nodes,
    initializer: b.inits,
    input: [int64Info('input_ids', ['batch', 77])],
    output: [floatInfo('text_embeds', ['batch', 512])],
  });
}

/** Writes a MODEL_DIR (visual.onnx, textual.onnx, model.json) for the synthetic model. */
export function writeSyntheticClip(dir: string, depth: number, p: Precision): string {
  const visual = syntheticVisual(depth, p);
  const textual = syntheticTextual(depth, p);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'visual.onnx'), visual);
  writeFileSync(join(dir, 'textual.onnx'), textual);
  const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
  const manifest = {
    name: `synthetic-vit-b32-${p}`,
    version: `depth${depth}`,
    weights_sha256: { visual: sha(visual), textual: sha(textual) },
    input_size: 224,
    mean: [...CLIP_MEAN],
    std: [...CLIP_STD],
    output_dim: 512,
    vector_name: 'clip_global',
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
