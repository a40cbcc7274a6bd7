import { loadMobileNetArtifacts, MobileNetModel, type MobileNetOutput } from '../src/model/mobilenet.model';
import { convertMobileNet } from '../src/model/mobilenet-onnx';
import { OnnxMobileNetModel } from '../src/model/onnx-mobilenet.model';
import { cosine, forEachBatch, readNearCopies } from './support/near-copies';

const quiet = { log: () => undefined, warn: () => undefined };

/**
 * The ONNX route's parity with tfjs: the same bundled MobileNetV2, converted (`convertMobileNet`) and
 * run on onnxruntime, against tfjs-wasm on every image of the dev set with the same preprocessing.
 */
describe('MobileNetV2 converted to ONNX against tfjs', () => {
  const truth = readNearCopies();
  const tfjs = new Map<string, MobileNetOutput>();
  const ort = new Map<string, MobileNetOutput>();

  beforeAll(async () => {
    const [reference, converted] = await Promise.all([
      MobileNetModel.load({ logger: quiet }),
      OnnxMobileNetModel.load({ logger: quiet }),
    ]);
    const pre = converted.preprocessor;
    try {
      await forEachBatch(pre, truth.files, async (batch, files) => {
        const [a, b] = await Promise.all([
          reference.run(batch, files.length),
          converted.run(batch, files.length),
        ]);
        files.forEach((file, j) => {
          tfjs.set(file, a[j]!);
          ort.set(file, b[j]!);
        });
      });
    } finally {
      await Promise.all([reference.dispose(), converted.dispose()]);
    }
  }, 240_000);

  it('gives the 1280-d features of tfjs within 1e-4 cosine on every dev-set image', () => {
    expect(ort.size).toBe(truth.files.length);
    const worst = Math.min(...[...ort].map(([file, out]) => cosine(out.vector, tfjs.get(file)!.vector)));
    expect(worst).toBeGreaterThanOrEqual(1 - 1e-4);
  });

  it('gives the NSFW probabilities of tfjs within 1e-3', () => {
    for (const [file, out] of ort) {
      const reference = tfjs.get(file)!;
      out.probabilities.forEach((p, k) =>
        expect(Math.abs(p - reference.probabilities[k]!)).toBeLessThan(1e-3),
      );
      expect(Math.abs(out.nsfwScore - reference.nsfwScore)).toBeLessThan(1e-3);
    }
  });

  it('refuses a bundle with a layer kind it does not convert, by name', async () => {
    const artifacts = loadMobileNetArtifacts();
    const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as {
      model_config: { config: { layers: { class_name: string }[] } };
    };
    topology.model_config.config.layers[3]!.class_name = 'SeparableConv2D';
    await expect(convertMobileNet({ ...artifacts, modelTopology: topology as never })).rejects.toThrow(
      /SeparableConv2D layer, which is not converted/,
    );
  });
});

describe('OnnxMobileNetModel on its own thread', () => {
  it('leaves the event loop free while a batch runs, and keeps the caller its batch', async () => {
    const model = await OnnxMobileNetModel.load({ logger: quiet });
    try {
      const per = model.preprocessor.tensorLength;
      const batch = new Float32Array(8 * per).fill(0.25);
      let ticks = 0;
      let running = true;
      const tick = (): void => {
        ticks += 1;
        if (running) setImmediate(tick);
      };
      setImmediate(tick);
      const outputs = await model.run(batch, 8);
      running = false;
      expect(outputs).toHaveLength(8);
      // onnxruntime-node's own `run` blocks its calling thread for the whole batch (tens of ms):
      // called on the event loop, not one tick would pass in between.
      expect(ticks).toBeGreaterThan(50);
      // The batch was copied to the session's thread, not taken from the caller.
      expect(batch.length).toBe(8 * per);
      expect(batch[0]).toBe(0.25);
    } finally {
      await model.dispose();
    }
  }, 60_000);
});
