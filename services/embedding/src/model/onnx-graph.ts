import { onnx } from 'onnx-proto';

/**
 * Small helpers to write ONNX graphs with onnx-proto (protobufjs): the MobileNetV2 conversion
 * (mobilenet-onnx.ts) and the generated test and benchmark models.
 */

const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

export type Dim = number | string;

export function valueInfo(name: string, elemType: number, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export const floatInfo = (name: string, dims: readonly Dim[]): onnx.IValueInfoProto =>
  valueInfo(name, T.FLOAT, dims);
export const int64Info = (name: string, dims: readonly Dim[]): onnx.IValueInfoProto =>
  valueInfo(name, T.INT64, dims);

export function floatTensor(name: string, dims: readonly number[], data: Float32Array): onnx.ITensorProto {
  return {
    name,
    dims: [...dims],
    dataType: T.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function int64Tensor(
  name: string,
  dims: readonly number[],
  values: readonly number[],
): onnx.ITensorProto {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return { name, dims: [...dims], dataType: T.INT64, rawData: new Uint8Array(data.buffer) };
}

export function int8Tensor(name: string, dims: readonly number[], data: Int8Array): onnx.ITensorProto {
  return {
    name,
    dims: [...dims],
    dataType: T.INT8,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

type AttrValue = number | number[] | string;

export function node(
  opType: string,
  input: string[],
  output: string[],
  attributes: Record<string, AttrValue> = {},
): onnx.INodeProto {
  const attribute = Object.entries(attributes).map(([name, value]): onnx.IAttributeProto => {
    if (Array.isArray(value)) return { name, type: A.INTS, ints: value };
    if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
    return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
  });
  return { opType, input, output, attribute, name: `${opType}_${output[0]}` };
}

export function encodeModel(
  graph: onnx.IGraphProto,
  opset = 17,
  producerName = 'lookalike-tests',
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName,
    opsetImport: [{ domain: '', version: opset }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic pseudo-random floats in [-scale, scale) (mulberry32), so weights never depend on Math.random. */
export function seededFloats(length: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}
