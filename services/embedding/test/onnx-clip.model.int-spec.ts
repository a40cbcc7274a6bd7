import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';

import { type ModelLogger } from '../src/model/embedding-model.port';
import { ModelLoadError, ModelShapeError } from '../src/model/model-errors';
import { OnnxClipModel } from '../src/model/onnx-clip.model';
import { inspectImage } from '../src/preprocess/image-decode';
import { ClipTokenizer } from '../src/tokenizer/clip-tokenizer';
import { writeClipTestModel } from './support/clip-test-model';
import { seededFloats } from '../src/model/onnx-graph';

const quiet = (): ModelLogger & { warnings: string[] } => {
  const warnings: string[] = [];
  return { warnings, log: () => undefined, warn: (m: string) => warnings.push(m) };
};

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const unit = (v: number[]): number[] => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};

async function picture(seed: number): Promise<Buffer> {
  const raw = Buffer.from(seededFloats(320 * 240 * 3, seed).map((v) => Math.round((v + 1) * 127.5)));
  return sharp(raw, { raw: { width: 320, height: 240, channels: 3 } })
    .png()
    .toBuffer();
}

describe('OnnxClipModel with a generated CLIP-shaped model', () => {
  let root: string;
  let dir: string;
  let sut: OnnxClipModel;
  const logger = quiet();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'clip-test-'));
    dir = join(root, 'ok');
    writeClipTestModel(dir);
    sut = await OnnxClipModel.load({ modelDir: dir, intraOpThreads: 1, logger });
  });

  afterAll(async () => {
    await sut?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  const fresh = (name: string): string => join(root, name);

  it('describes the model from model.json', () => {
    expect(sut.descriptor).toEqual({
      name: 'clip-test-tiny',
      version: '1',
      dim: 512,
      vectorName: 'clip_global',
      device: 'cpu',
    });
  });

  it('embeds a batch exactly as the graph defines, L2-normalised', async () => {
    const bytes = await picture(7);
    const pre = sut.preprocessor;
    const tensor = await pre.preprocess(bytes, await inspectImage(bytes));
    // The graph written out by hand: 28x28 average pools -> 192 features -> proj + bias -> unit length.
    const features: number[] = [];
    for (let c = 0; c < 3; c++) {
      for (let gy = 0; gy < 8; gy++) {
        for (let gx = 0; gx < 8; gx++) {
          let sum = 0;
          for (let y = 0; y < 28; y++) {
            for (let x = 0; x < 28; x++) sum += tensor[c * 224 * 224 + (gy * 28 + y) * 224 + gx * 28 + x];
          }
          features.push(sum / 784);
        }
      }
    }
    const proj = seededFloats(192 * 512, 1);
    const bias = seededFloats(512, 2, 0.1);
    const want = unit(
      Array.from({ length: 512 }, (_, j) => features.reduce((s, f, i) => s + f * proj[i * 512 + j], bias[j])),
    );
    const [out] = await sut.run(tensor, 1);
    expect(out.vector).toHaveLength(512);
    expect(norm(out.vector)).toBeCloseTo(1, 5);
    want.forEach((w, j) => expect(out.vector[j]).toBeCloseTo(w, 4));
  });

  it('gives each image of a batch the vector it gets alone', async () => {
    const pre = sut.preprocessor;
    const images = await Promise.all([1, 2, 3].map(picture));
    const batch = new Float32Array(3 * pre.tensorLength);
    for (const [i, bytes] of images.entries()) {
      await pre.preprocess(bytes, await inspectImage(bytes), undefined, batch, i * pre.tensorLength);
    }
    const together = await sut.run(batch, 3);
    expect(together).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const [alone] = await sut.run(batch.slice(i * pre.tensorLength, (i + 1) * pre.tensorLength), 1);
      alone.vector.forEach((v, j) => expect(together[i].vector[j]).toBeCloseTo(v, 5));
    }
    expect(together[0].vector).not.toEqual(together[1].vector);
  });

  it('embeds texts through the CLIP tokenizer, as the graph defines', async () => {
    const tokenizer = new ClipTokenizer();
    const table = seededFloats(1024 * 512, 3);
    const expected = (text: string): number[] => {
      const ids = tokenizer.tokenize(text);
      return unit(
        Array.from(
          { length: 512 },
          (_, j) => ids.reduce((s, id) => s + table[(id % 1024) * 512 + j], 0) / 77,
        ),
      );
    };
    const texts = ['a photo of a cat', 'a diagram', 'a photo of a cat'];
    const vectors = await sut.embedTexts(texts);
    expect(vectors).toHaveLength(3);
    vectors.forEach((v, i) => {
      expect(norm(v)).toBeCloseTo(1, 5);
      expected(texts[i]).forEach((w, j) => expect(v[j]).toBeCloseTo(w, 4));
    });
    expect(vectors[0]).toEqual(vectors[2]);
    expect(await sut.embedTexts([])).toEqual([]);
  });

  it('feeds an attention mask covering the text up to its end token when the graph takes one', async () => {
    const masked = fresh('attention-mask');
    writeClipTestModel(masked, { attentionMask: true });
    const model = await OnnxClipModel.load({ modelDir: masked, intraOpThreads: 1, logger });
    try {
      const tokenizer = new ClipTokenizer();
      const table = seededFloats(1024 * 512, 3);
      const ids = tokenizer.encode('a photo of a cat');
      const used = [49406, ...ids, 49407];
      const want = unit(
        Array.from(
          { length: 512 },
          (_, j) => used.reduce((s, id) => s + table[(id % 1024) * 512 + j], 0) / used.length,
        ),
      );
      const [vector] = await model.embedTexts(['a photo of a cat']);
      want.forEach((w, j) => expect(vector[j]).toBeCloseTo(w, 4));
    } finally {
      await model.dispose();
    }
  });

  it('refuses a batch tensor shorter than the image count with a shape error', async () => {
    await expect(sut.run(new Float32Array(sut.preprocessor.tensorLength), 2)).rejects.toThrow(
      ModelShapeError,
    );
  });

  it('falls back to CPU with one warning when CUDA is requested but unavailable', async () => {
    const spy = quiet();
    const model = await OnnxClipModel.load({ modelDir: dir, device: 'cuda', intraOpThreads: 1, logger: spy });
    try {
      expect(model.descriptor.device).toMatch(/^(cpu|cuda)$/);
      if (model.descriptor.device === 'cpu') {
        expect(spy.warnings).toHaveLength(1);
        expect(spy.warnings[0]).toMatch(/CUDA execution provider is unavailable.*running on CPU/);
      }
      expect(await model.embedTexts(['a dog'])).toHaveLength(1);
    } finally {
      await model.dispose();
    }
  });

  it('names the missing file and `make models` when MODEL_DIR is incomplete', async () => {
    const partial = fresh('partial');
    writeClipTestModel(partial);
    rmSync(join(partial, 'textual.onnx'));
    await expect(OnnxClipModel.load({ modelDir: partial, logger })).rejects.toThrow(
      /textual\.onnx is missing.*make models/,
    );
  });

  it('refuses weights whose sha256 differs from model.json', async () => {
    const swapped = fresh('swapped');
    writeClipTestModel(swapped);
    const other = fresh('other');
    writeClipTestModel(other, { dim: 256 });
    writeFileSync(join(swapped, 'visual.onnx'), readFileSync(join(other, 'visual.onnx')));
    await expect(OnnxClipModel.load({ modelDir: swapped, logger })).rejects.toThrow(
      /visual\.onnx has sha256 .* but model\.json expects/,
    );
  });

  it('refuses an invalid model.json and lists the problems', async () => {
    const bad = fresh('bad-manifest');
    writeClipTestModel(bad);
    const manifest = JSON.parse(readFileSync(join(bad, 'model.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(bad, 'model.json'), JSON.stringify({ ...manifest, output_dim: 'wide', mean: [0.5] }));
    const error = await OnnxClipModel.load({ modelDir: bad, logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toMatch(/output_dim.*mean|mean.*output_dim/);
  });

  it('refuses a graph whose declared output dimension differs from model.json', async () => {
    const narrow = fresh('narrow-declared');
    writeClipTestModel(narrow, { visualDim: 256 });
    await expect(OnnxClipModel.load({ modelDir: narrow, logger })).rejects.toThrow(
      /visual\.onnx image_embeds is float32 \[batch, 256\], expected float32 \[N, 512\]/,
    );
  });

  it('refuses a text graph of another output dimension at load, even when its outputs are declared symbolically', async () => {
    const hidden = fresh('narrow-symbolic');
    writeClipTestModel(hidden, { textDim: 300, fixedOutputDims: false });
    const error = await OnnxClipModel.load({ modelDir: hidden, logger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).message).toMatch(/text_embeds .*300.*expected .*512/);
  });

  it('refuses a visual graph for another input size', async () => {
    const small = fresh('small-input');
    writeClipTestModel(small, { visualInputSize: 112 });
    await expect(OnnxClipModel.load({ modelDir: small, logger })).rejects.toThrow(
      /pixel_values is float32 \[batch, 3, 112, 112\], expected float32 \[N, 3, 224, 224\]/,
    );
  });
});
