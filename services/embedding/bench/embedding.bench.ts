/**
 * Throughput of the embedding service against bare runtime loops on the same model and batch size,
 * measured in one run:  npx tsx services/embedding/bench/embedding.bench.ts
 *
 * BENCH_IMAGES (32), BENCH_TEXTS (64), BENCH_DEPTH (12), BENCH_ROUNDS (3) tune the run; BENCH_CLIP=0
 * leaves the CLIP rows out. The ONNX rows use a generated model with ViT-B/32's interface and
 * arithmetic (synthetic-clip.ts), fp32 and int8; the MobileNetV2 rows use the real bundled network
 * on tfjs-wasm and, converted (mobilenet-onnx.ts), on onnxruntime.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { LookalikeError } from '@lookalike/contracts';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';

import type { ImageModel } from '../src/model/embedding-model.port';
import { l2Normalise } from '../src/model/embedding-model.port';
import type { EmbeddingModels } from '../src/model/model-loader';
import {
  MOBILENET_FEATURE_LAYER,
  MobileNetModel,
  type MobileNetLike,
  loadMobileNetArtifacts,
  useWasmBackend,
} from '../src/model/mobilenet.model';
import { OnnxClipModel } from '../src/model/onnx-clip.model';
import { OnnxMobileNetModel } from '../src/model/onnx-mobilenet.model';
import { type ImageHeader, inspectImage } from '../src/preprocess/image-decode';
import type { ImageSourceRepository } from '../src/repositories/image-source.repository';
import { EmbeddingService } from '../src/services/embedding.service';
import { ClipTokenizer } from '../src/tokenizer/clip-tokenizer';
import { NEAR_COPIES_DIR, readNearCopies } from '../test/support/near-copies';
import { writeSyntheticClip } from './synthetic-clip';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 32);
const TEXTS = Number(process.env.BENCH_TEXTS ?? 64);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_CLIP=0 runs the MobileNetV2 rows alone (tfjs-wasm against onnxruntime). */
const CLIP = process.env.BENCH_CLIP !== '0';
const BATCHES = [1, 8];
const THREADS = availableParallelism();

const quiet = { log: () => undefined, warn: () => undefined };
const noObjects: ImageSourceRepository = {
  getBuffer: async () => {
    throw LookalikeError.notFound('object', 'bench uses inline images');
  },
};

interface Row {
  model: string;
  kind: 'images' | 'texts';
  batch: number;
  /** Items/s: the runtime alone on ready tensors. */
  bareInference: number;
  /** Items/s: decode + preprocess (or tokenize) + runtime, a plain loop. */
  barePipeline: number;
  /** Items/s: EmbeddingService with its batcher, single-item requests 2 x batch in flight. */
  service: number;
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Best of ROUNDS (after one warm-up) in items/s: the box is shared, the best round is the least disturbed. */
async function rate(items: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) best = Math.max(best, items / (await seconds(fn)));
  return best;
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

const inline = (bytes: Buffer) => ({
  images: [{ bucket: '', key: '', inline: bytes }],
  withCrops: false,
  cropCount: 0,
});

function serviceFor(models: Omit<EmbeddingModels, 'dispose'>, batch: number): EmbeddingService {
  return new EmbeddingService({ ...models, dispose: async () => undefined }, noObjects, {
    batchSize: batch,
    maxWaitMs: 5,
    queueMax: 4096,
    maxTextsPerRequest: 4096,
  });
}

async function preprocessAll(
  model: ImageModel,
  images: Buffer[],
  headers: ImageHeader[],
): Promise<Float32Array[]> {
  return Promise.all(images.map((bytes, i) => model.preprocessor.preprocess(bytes, headers[i])));
}

async function benchOnnx(
  precision: 'fp32' | 'int8',
  images: Buffer[],
  headers: ImageHeader[],
  texts: string[],
) {
  const dir = writeSyntheticClip(mkdtempSync(join(tmpdir(), `bench-${precision}-`)), DEPTH, precision);
  const clip = await OnnxClipModel.load({ modelDir: dir, intraOpThreads: THREADS, logger: quiet });
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: THREADS,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  const visual = await ort.InferenceSession.create(join(dir, 'visual.onnx'), options);
  const textual = await ort.InferenceSession.create(join(dir, 'textual.onnx'), options);
  const tokenizer = new ClipTokenizer();
  const per = clip.preprocessor.tensorLength;
  const tensors = await preprocessAll(clip, images, headers);
  const rows: Row[] = [];

  const runVisual = async (batch: Float32Array, n: number) => {
    const out = await visual.run({ pixel_values: new ort.Tensor('float32', batch, [n, 3, 224, 224]) });
    const data = out.image_embeds.data as Float32Array;
    for (let i = 0; i < n; i++) l2Normalise(data.subarray(i * 512, (i + 1) * 512));
  };
  const runTextual = async (ids: BigInt64Array, n: number) => {
    const out = await textual.run({ input_ids: new ort.Tensor('int64', ids, [n, 77]) });
    const data = out.text_embeds.data as Float32Array;
    for (let i = 0; i < n; i++) l2Normalise(data.subarray(i * 512, (i + 1) * 512));
  };

  for (const batch of BATCHES) {
    const service = serviceFor({ image: clip, text: clip }, batch);
    const imageGroups = chunks(
      images.map((_, i) => i),
      batch,
    );
    const bareInference = await rate(images.length, async () => {
      for (const group of imageGroups) {
        const input = new Float32Array(group.length * per);
        group.forEach((i, j) => input.set(tensors[i], j * per));
        await runVisual(input, group.length);
      }
    });
    const barePipeline = await rate(images.length, async () => {
      for (const group of imageGroups) {
        const input = new Float32Array(group.length * per);
        await Promise.all(
          group.map((i, j) =>
            inspectImage(images[i]).then((h) =>
              clip.preprocessor.preprocess(images[i], h, undefined, input, j * per),
            ),
          ),
        );
        await runVisual(input, group.length);
      }
    });
    const throughService = await rate(images.length, () =>
      pool(images, 2 * batch, (bytes) => service.embedImages(inline(bytes))),
    );
    rows.push({
      model: `synthetic ViT-B/32 ${precision}`,
      kind: 'images',
      batch,
      bareInference,
      barePipeline,
      service: throughService,
    });

    const textGroups = chunks(texts, batch);
    const tokenized = textGroups.map((group) => tokenizer.tokenizeBatch(group));
    const textInference = await rate(texts.length, async () => {
      for (const [g, group] of textGroups.entries()) await runTextual(tokenized[g], group.length);
    });
    const textPipeline = await rate(texts.length, async () => {
      for (const group of textGroups) await runTextual(tokenizer.tokenizeBatch(group), group.length);
    });
    const textService = await rate(texts.length, () =>
      pool(texts, 2 * batch, (t) => service.embedText({ texts: [t] })),
    );
    rows.push({
      model: `synthetic ViT-B/32 ${precision}`,
      kind: 'texts',
      batch,
      bareInference: textInference,
      barePipeline: textPipeline,
      service: textService,
    });
    await service.close();
  }
  await Promise.all([clip.dispose(), visual.release(), textual.release()]);
  rmSync(dir, { recursive: true, force: true });
  return rows;
}

async function benchMobileNet(
  images: Buffer[],
  headers: ImageHeader[],
  runtime: 'tfjs' | 'onnx',
): Promise<Row[]> {
  const model: MobileNetLike =
    runtime === 'onnx'
      ? await OnnxMobileNetModel.load({ logger: quiet })
      : await MobileNetModel.load({ logger: quiet });
  let predict: (input: Float32Array, n: number) => Promise<void>;
  let release = () => undefined as void;
  if (runtime === 'onnx') {
    // The bare runtime is the session itself (run() adds only the output split and normalisation).
    predict = async (input, n) => void (await model.run(input, n));
  } else {
    await useWasmBackend();
    const base = await tf.loadLayersModel(tf.io.fromMemory(loadMobileNetArtifacts()));
    const network = tf.model({
      inputs: base.inputs,
      outputs: [base.getLayer(MOBILENET_FEATURE_LAYER).output, base.outputs[0]] as tf.SymbolicTensor[],
    });
    predict = async (input, n) => {
      const [f, p] = network.predict(tf.tensor4d(input, [n, 224, 224, 3])) as tf.Tensor[];
      const features = await f.data<'float32'>();
      await p.data();
      for (let i = 0; i < n; i++) l2Normalise(features.subarray(i * 1280, (i + 1) * 1280));
      tf.dispose([f, p]);
    };
    release = () => network.dispose();
  }
  const per = model.preprocessor.tensorLength;
  const tensors = await preprocessAll(model, images, headers);
  const rows: Row[] = [];
  for (const batch of BATCHES) {
    const service = serviceFor({ image: model, nsfw: model }, batch);
    const groups = chunks(
      images.map((_, i) => i),
      batch,
    );
    const bareInference = await rate(images.length, async () => {
      for (const group of groups) {
        const input = new Float32Array(group.length * per);
        group.forEach((i, j) => input.set(tensors[i], j * per));
        await predict(input, group.length);
      }
    });
    const barePipeline = await rate(images.length, async () => {
      for (const group of groups) {
        const input = new Float32Array(group.length * per);
        await Promise.all(
          group.map((i, j) =>
            inspectImage(images[i]).then((h) =>
              model.preprocessor.preprocess(images[i], h, undefined, input, j * per),
            ),
          ),
        );
        await predict(input, group.length);
      }
    });
    const throughService = await rate(images.length, () =>
      pool(images, 2 * batch, (bytes) => service.embedImages(inline(bytes))),
    );
    rows.push({
      model:
        runtime === 'onnx'
          ? 'MobileNetV2 (nsfwjs, converted, onnxruntime)'
          : 'MobileNetV2 (nsfwjs, tfjs-wasm)',
      kind: 'images',
      batch,
      bareInference,
      barePipeline,
      service: throughService,
    });
    await service.close();
  }
  release();
  await model.dispose();
  return rows;
}

/**
 * The service's own cost per item, free of model noise: texts through the queue, batcher and packing
 * into a model that answers at once. Returns microseconds per item at each batch size.
 */
async function benchOverhead(): Promise<Record<number, number>> {
  const instant = {
    descriptor: { name: 'instant', version: '0', dim: 512, vectorName: 'clip_global', device: 'cpu' },
    embedTexts: async (texts: readonly string[]) => texts.map(() => new Float32Array(512)),
    dispose: async () => undefined,
  };
  const image = { descriptor: instant.descriptor } as unknown as ImageModel;
  const texts = Array.from({ length: 20_000 }, (_, i) => `text ${i}`);
  const result: Record<number, number> = {};
  for (const batch of BATCHES) {
    const service = serviceFor({ image, text: instant }, batch);
    const perSecond = await rate(texts.length, () =>
      pool(texts, 2 * batch, (t) => service.embedText({ texts: [t] })),
    );
    result[batch] = 1e6 / perSecond;
    await service.close();
  }
  return result;
}

function table(rows: Row[]): string {
  const f = (v: number) => v.toFixed(1);
  const lines = [
    '| model | items | batch | bare runtime (items/s) | bare decode+runtime (items/s) | service (items/s) | service / bare decode+runtime | service / bare runtime |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.kind} | ${r.batch} | ${f(r.bareInference)} | ${f(r.barePipeline)} | ${f(r.service)} | ${(r.service / r.barePipeline).toFixed(2)} | ${(r.service / r.bareInference).toFixed(2)} |`,
    ),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const truth = readNearCopies();
  const images = truth.files.slice(0, IMAGES).map((f) => readFileSync(join(NEAR_COPIES_DIR, 'images', f)));
  const headers = await Promise.all(images.map((b) => inspectImage(b)));
  const nouns = ['cat', 'dog', 'rocket', 'coffee cup', 'horse', 'brick wall', 'clock', 'astronaut'];
  const texts = Array.from(
    { length: TEXTS },
    (_, i) => `a photo of a ${nouns[i % nouns.length]} number ${i}`,
  );

  const started = Date.now();
  const overhead = await benchOverhead();
  const rows = [
    ...(CLIP ? await benchOnnx('fp32', images, headers, texts) : []),
    ...(CLIP ? await benchOnnx('int8', images, headers, texts) : []),
    ...(await benchMobileNet(images, headers, 'tfjs')),
    ...(await benchMobileNet(images, headers, 'onnx')),
  ];
  const header =
    `embedding bench: ${IMAGES} images (dev-nearcopies), ${TEXTS} texts, depth ${DEPTH}, best of ${ROUNDS} rounds, ` +
    `${THREADS} threads on ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ${((Date.now() - started) / 1000).toFixed(0)} s`;
  const bookkeeping = BATCHES.map((b) => `${overhead[b].toFixed(1)} µs per item at batch ${b}`).join(', ');
  const markdown = `${header}\n\n${table(rows)}\n\nService bookkeeping with an instant model: ${bookkeeping}.\n`;
  process.stdout.write(`${markdown}\n`);
  const out = join(__dirname, '../../../.bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'embedding.md'), markdown);
  writeFileSync(
    join(out, 'embedding.json'),
    JSON.stringify({ header, rows, overheadMicroseconds: overhead }, null, 2),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
