#!/usr/bin/env node
// `make models`: downloads an OpenCLIP/OpenAI CLIP ViT-B/32 ONNX pair into MODEL_DIR and writes the
// model.json the embedding service checks at start. The service itself never downloads anything.
//
//   MODEL_NAME     clip-vit-b32-laion2b (default) | clip-vit-b32-openai
//   MODEL_VARIANT  fp32 (default) | int8 (dynamically quantised exports, smaller and faster on CPU)
//   MODEL_DIR      target directory (default ./models/<MODEL_NAME>)
//   ALLOW_UNPINNED 1 to accept files whose checksum is not pinned below (prints it so it can be pinned)
//
// Sources are the transformers.js ONNX exports on Hugging Face, at a fixed revision. They were
// chosen without network access and are NOT verified: where a sha256 below is null, run once with
// ALLOW_UNPINNED=1 on a trusted network, check the model, and pin the printed values here.
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

const HF = 'https://huggingface.co';

/** Each model: its repository, pinned revision, files per variant, and the checksums to insist on. */
const MODELS = {
  'clip-vit-b32-laion2b': {
    repo: 'Xenova/CLIP-ViT-B-32-laion2B-s34B-b79K',
    revision: 'main',
    // Own named vector: LAION-2B and OpenAI weights embed into different spaces (DESIGN.md section 3).
    vectorName: 'clip_global',
    files: {
      fp32: { visual: 'onnx/vision_model.onnx', textual: 'onnx/text_model.onnx' },
      int8: { visual: 'onnx/vision_model_quantized.onnx', textual: 'onnx/text_model_quantized.onnx' },
    },
    sha256: {
      fp32: { visual: null, textual: null },
      int8: { visual: null, textual: null },
    },
  },
  'clip-vit-b32-openai': {
    repo: 'Xenova/clip-vit-base-patch32',
    revision: 'main',
    vectorName: 'clip_openai_global',
    files: {
      fp32: { visual: 'onnx/vision_model.onnx', textual: 'onnx/text_model.onnx' },
      int8: { visual: 'onnx/vision_model_quantized.onnx', textual: 'onnx/text_model_quantized.onnx' },
    },
    sha256: {
      fp32: { visual: null, textual: null },
      int8: { visual: null, textual: null },
    },
  },
};

const name = process.env.MODEL_NAME || 'clip-vit-b32-laion2b';
const variant = process.env.MODEL_VARIANT || 'fp32';
const allowUnpinned = ['1', 'true', 'yes'].includes((process.env.ALLOW_UNPINNED || '').toLowerCase());
const model = MODELS[name];

function fail(message) {
  process.stderr.write(`\nmake models: ${message}\n`);
  process.exit(1);
}

if (!model) fail(`unknown MODEL_NAME=${name}; choose one of ${Object.keys(MODELS).join(', ')}`);
if (!model.files[variant]) fail(`unknown MODEL_VARIANT=${variant}; choose fp32 or int8`);

const dir = resolve(process.env.MODEL_DIR || join('models', name));
const offlineHelp = `
Without network access, place an exported ViT-B/32 pair in ${dir} yourself:
  visual.onnx   input pixel_values float32 [N,3,224,224] -> output [N,512]
  textual.onnx  input input_ids int64 [N,77] (optionally attention_mask) -> output [N,512]
  model.json    name, version, weights_sha256 {visual, textual}, input_size, mean, std, output_dim, vector_name
The export recipe (open_clip + torch.onnx.export) and the model.json format are in docs/embedding.md.
Then start the embedding service with MODEL_DIR=${dir}.`;

async function download(url, target, expected) {
  const part = `${target}.part`;
  let response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    fail(`cannot reach ${new URL(url).host} (${error.cause?.code ?? error.message}).${offlineHelp}`);
  }
  if (!response.ok || !response.body) fail(`${url} answered HTTP ${response.status}.${offlineHelp}`);
  const hash = createHash('sha256');
  const total = Number(response.headers.get('content-length')) || 0;
  let done = 0;
  let shown = -1;
  const body = Readable.fromWeb(response.body);
  body.on('data', (chunk) => {
    hash.update(chunk);
    done += chunk.length;
    const percent = total ? Math.floor((done / total) * 100) : -1;
    if (percent !== shown && percent % 10 === 0) {
      shown = percent;
      process.stdout.write(`  ${target.split('/').pop()}: ${percent}% of ${(total / 1e6).toFixed(0)} MB\n`);
    }
  });
  try {
    await pipeline(body, createWriteStream(part));
  } catch (error) {
    rmSync(part, { force: true });
    fail(`download of ${url} broke off (${error.message}); run make models again.${offlineHelp}`);
  }
  const actual = hash.digest('hex');
  if (expected && actual !== expected) {
    rmSync(part, { force: true });
    fail(`${url} has sha256 ${actual}, expected ${expected}: refusing it (corrupted or changed upstream)`);
  }
  if (!expected && !allowUnpinned) {
    rmSync(part, { force: true });
    fail(
      `no checksum is pinned for ${url} (sha256 of what arrived: ${actual}).\n` +
        `Check the source, then pin it in scripts/models/fetch-models.mjs, or rerun with ALLOW_UNPINNED=1.`,
    );
  }
  renameSync(part, target);
  return actual;
}

function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

mkdirSync(dir, { recursive: true });
const files = model.files[variant];
const pinned = model.sha256[variant];
const hashes = {};
for (const role of ['visual', 'textual']) {
  const target = join(dir, `${role}.onnx`);
  const url = `${HF}/${model.repo}/resolve/${model.revision}/${files[role]}`;
  if (existsSync(target) && pinned[role] && sha256File(target) === pinned[role]) {
    process.stdout.write(`  ${role}.onnx already present and verified\n`);
    hashes[role] = pinned[role];
    continue;
  }
  process.stdout.write(`fetching ${url}\n`);
  hashes[role] = await download(url, target, pinned[role]);
  if (!pinned[role]) process.stdout.write(`  UNPINNED ${name}/${variant}/${role} sha256 ${hashes[role]}\n`);
}

const manifest = {
  name,
  version: `${model.repo.split('/')[1]}@${model.revision}-${variant}`,
  weights_sha256: hashes,
  input_size: 224,
  mean: CLIP_MEAN,
  std: CLIP_STD,
  output_dim: 512,
  vector_name: model.vectorName,
  context_length: 77,
  resize_mode: 'crop',
  visual_input: 'pixel_values',
  visual_output: 'image_embeds',
  textual_input: 'input_ids',
  textual_output: 'text_embeds',
};
writeFileSync(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(
  `\n${name} (${variant}) is in ${dir}; start the embedding service with MODEL_DIR=${dir}\n`,
);
