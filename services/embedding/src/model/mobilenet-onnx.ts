import * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { MOBILENET_FEATURE_LAYER, useWasmBackend } from './mobilenet.model';
import { ModelLoadError } from './model-errors';
import { encodeModel, floatInfo, floatTensor, int64Tensor, node } from './onnx-graph';

/** The Keras layer records of a layers-model topology (the parts the conversion reads). */
interface KerasLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes: [string, number, number, unknown][][];
}

interface KerasTopology {
  model_config: {
    config: {
      layers: KerasLayer[];
      input_layers: [string, number, number][];
      output_layers: [string, number, number][];
    };
  };
}

/** Graph input and outputs of the converted MobileNetV2. */
export const MOBILENET_ONNX_IO = {
  input: 'input_1',
  features: MOBILENET_FEATURE_LAYER,
  probabilities: 'probabilities',
} as const;

/**
 * Converts nsfwjs' Keras MobileNetV2 (its layers-model topology and weights, as tfjs loads them) to
 * an ONNX graph for onnxruntime. The input stays NHWC [N, 224, 224, 3] like the tfjs model's (one
 * Transpose to NCHW first); the outputs are the pooled 1280-d features (`flatten_1`) and the 5-way
 * softmax. Covered: exactly the layer kinds this model uses (InputLayer, ZeroPadding2D, Conv2D,
 * DepthwiseConv2D, BatchNormalization, ReLU with max_value, Add, AveragePooling2D, Flatten, Dense,
 * Dropout); anything else is refused by name, so a changed bundle fails loudly instead of converting
 * wrongly. Weights are decoded (uint8 dequantised) by tfjs' own `decodeWeights`. Parity with tfjs is
 * checked by test/mobilenet-onnx.int-spec.ts on the dev set.
 */
export async function convertMobileNet(artifacts: tf.io.ModelArtifacts): Promise<Uint8Array> {
  const topology = artifacts.modelTopology as unknown as KerasTopology;
  const config = topology?.model_config?.config;
  if (!config?.layers || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new ModelLoadError('the MobileNetV2 artifacts hold no Keras layers topology and weights');
  }
  // tfjs decodes (and dequantises) the weights into tensors, which need its backend ready.
  await useWasmBackend();
  const decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, tensor] of Object.entries(decoded)) {
    weights.set(name, { shape: tensor.shape, data: tensor.dataSync() as Float32Array });
    tensor.dispose();
  }
  const weight = (layer: string, name: string) => {
    const found = weights.get(`${layer}/${name}`);
    if (!found) throw new ModelLoadError(`the MobileNetV2 weights have no ${layer}/${name}`);
    return found;
  };

  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  /** The ONNX value each Keras layer's output is, by layer name. */
  const outputOf = new Map<string, string>();
  const input = config.input_layers[0]![0];
  const nchwInput = `${input}_nchw`;
  nodes.push(node('Transpose', [MOBILENET_ONNX_IO.input], [nchwInput], { perm: [0, 3, 1, 2] }));
  outputOf.set(input, nchwInput);

  for (const layer of config.layers) {
    const name = layer.config.name;
    const inputs = (layer.inbound_nodes[0] ?? []).map(([from]) => {
      const value = outputOf.get(from);
      if (!value) throw new ModelLoadError(`layer ${name} reads ${from}, which is not converted yet`);
      return value;
    });
    const c = layer.config;
    switch (layer.class_name) {
      case 'InputLayer':
        continue;
      case 'Dropout':
        outputOf.set(name, inputs[0]!); // identity at inference
        continue;
      case 'ZeroPadding2D': {
        const [[top, bottom], [left, right]] = c.padding as [[number, number], [number, number]];
        initializers.push(int64Tensor(`${name}/pads`, [8], [0, 0, top, left, 0, 0, bottom, right]));
        nodes.push(node('Pad', [inputs[0]!, `${name}/pads`], [name], { mode: 'constant' }));
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const depthwise = layer.class_name === 'DepthwiseConv2D';
        const kernel = weight(name, depthwise ? 'depthwise_kernel' : 'kernel');
        const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
        // Keras HWIO (depthwise: H, W, in, multiplier) -> ONNX OIHW (depthwise: in x multiplier, 1, H, W).
        const out = depthwise ? cin * cout : cout;
        const perChannel = depthwise ? 1 : cin;
        const w = new Float32Array(out * perChannel * kh * kw);
        for (let y = 0; y < kh; y++)
          for (let x = 0; x < kw; x++)
            for (let i = 0; i < cin; i++)
              for (let o = 0; o < cout; o++) {
                const source = kernel.data[((y * kw + x) * cin + i) * cout + o]!;
                const [oc, ic] = depthwise ? [i * cout + o, 0] : [o, i];
                w[((oc * perChannel + ic) * kh + y) * kw + x] = source;
              }
        initializers.push(floatTensor(`${name}/W`, [out, perChannel, kh, kw], w));
        const conv = [inputs[0]!, `${name}/W`];
        if (c.use_bias) {
          const bias = weight(name, 'bias');
          initializers.push(floatTensor(`${name}/B`, [out], bias.data));
          conv.push(`${name}/B`);
        }
        const strides = c.strides as number[];
        if ((c.dilation_rate as number[]).some((d) => d !== 1) || c.activation !== 'linear') {
          throw new ModelLoadError(`layer ${name}: dilated or activated convolutions are not converted`);
        }
        nodes.push(
          node('Conv', conv, [name], {
            kernel_shape: [kh, kw],
            strides,
            group: depthwise ? cin : 1,
            auto_pad: c.padding === 'same' ? 'SAME_UPPER' : 'VALID',
          }),
        );
        break;
      }
      case 'BatchNormalization': {
        if (c.axis !== -1 && c.axis !== 3)
          throw new ModelLoadError(`layer ${name}: BN over axis ${String(c.axis)}`);
        const parts = ['gamma', 'beta', 'moving_mean', 'moving_variance'] as const;
        for (const part of parts)
          initializers.push(
            floatTensor(`${name}/${part}`, [weight(name, part).data.length], weight(name, part).data),
          );
        nodes.push(
          node('BatchNormalization', [inputs[0]!, ...parts.map((p) => `${name}/${p}`)], [name], {
            epsilon: c.epsilon as number,
          }),
        );
        break;
      }
      case 'ReLU': {
        if ((c.negative_slope as number) !== 0 || (c.threshold as number) !== 0) {
          throw new ModelLoadError(`layer ${name}: leaky or thresholded ReLU is not converted`);
        }
        if (c.max_value === null || c.max_value === undefined) {
          nodes.push(node('Relu', [inputs[0]!], [name]));
        } else {
          initializers.push(floatTensor(`${name}/min`, [], Float32Array.of(0)));
          initializers.push(floatTensor(`${name}/max`, [], Float32Array.of(c.max_value as number)));
          nodes.push(node('Clip', [inputs[0]!, `${name}/min`, `${name}/max`], [name]));
        }
        break;
      }
      case 'Add':
        nodes.push(node('Add', inputs, [name]));
        break;
      case 'AveragePooling2D':
        nodes.push(
          node('AveragePool', [inputs[0]!], [name], {
            kernel_shape: c.pool_size as number[],
            strides: c.strides as number[],
            auto_pad: c.padding === 'same' ? 'SAME_UPPER' : 'VALID',
          }),
        );
        break;
      case 'Flatten':
        // After the 7x7 pool the map is 1x1, so NCHW and Keras' NHWC flatten give the same order.
        nodes.push(node('Flatten', [inputs[0]!], [name], { axis: 1 }));
        break;
      case 'Dense': {
        const kernel = weight(name, 'kernel');
        initializers.push(floatTensor(`${name}/W`, kernel.shape, kernel.data));
        const gemm = [inputs[0]!, `${name}/W`];
        if (c.use_bias) {
          initializers.push(floatTensor(`${name}/B`, [kernel.shape[1]!], weight(name, 'bias').data));
          gemm.push(`${name}/B`);
        }
        const activation = c.activation as string;
        const linear = activation === 'linear' ? name : `${name}/linear`;
        nodes.push(node('Gemm', gemm, [linear]));
        if (activation === 'relu') nodes.push(node('Relu', [linear], [name]));
        else if (activation === 'softmax') nodes.push(node('Softmax', [linear], [name], { axis: -1 }));
        else if (activation !== 'linear') throw new ModelLoadError(`layer ${name}: activation ${activation}`);
        break;
      }
      default:
        throw new ModelLoadError(
          `the MobileNetV2 bundle has a ${layer.class_name} layer, which is not converted`,
        );
    }
    outputOf.set(name, name);
  }
  const last = outputOf.get(config.output_layers[0]![0]);
  if (!last || !outputOf.has(MOBILENET_FEATURE_LAYER)) {
    throw new ModelLoadError('the MobileNetV2 topology lacks its feature or output layer');
  }
  nodes.push(node('Identity', [last], [MOBILENET_ONNX_IO.probabilities]));
  return encodeModel(
    {
      name: 'mobilenetv2-nsfwjs',
      node: nodes,
      initializer: initializers,
      input: [floatInfo(MOBILENET_ONNX_IO.input, ['batch', 224, 224, 3])],
      output: [
        floatInfo(MOBILENET_ONNX_IO.features, ['batch', 1280]),
        floatInfo(MOBILENET_ONNX_IO.probabilities, ['batch', 5]),
      ],
    },
    13,
    'lookalike-mobilenet-converter',
  );
}
