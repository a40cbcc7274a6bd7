/**
 * The worker side of `OnnxSessionThread`: one onnxruntime session per worker thread. onnxruntime-node
 * runs `session.run` synchronously on the thread that calls it (its promise only defers the call by
 * a setImmediate), and that thread joins the intra-op pool for the whole inference: called from a
 * service's event loop, a batch blocks it. Here it blocks this thread instead.
 */
import * as ort from 'onnxruntime-node';
import { Piscina, workerData } from 'piscina';

export interface SessionWorkerData {
  /** The ONNX graph: its bytes, or its file's path. */
  model: Uint8Array | string;
  options: ort.InferenceSession.SessionOptions;
}

/** A numeric tensor as it crosses between threads. */
export type TensorData =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int32'; data: Int32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] };

export interface SessionTask {
  /** Input tensors by name. */
  feeds: Record<string, TensorData>;
}

/** Output tensors by name, moved back. */
export type SessionResult = Record<string, TensorData>;

/** The graph's inputs and outputs as onnxruntime describes them (plain objects). */
export interface SessionDescription {
  inputs: ort.InferenceSession.ValueMetadata[];
  outputs: ort.InferenceSession.ValueMetadata[];
}

let session: Promise<ort.InferenceSession> | undefined;

function sessionOf(): Promise<ort.InferenceSession> {
  const { model, options } = workerData as SessionWorkerData;
  session ??=
    typeof model === 'string'
      ? ort.InferenceSession.create(model, options)
      : ort.InferenceSession.create(model, options);
  return session;
}

function plain(meta: ort.InferenceSession.ValueMetadata): ort.InferenceSession.ValueMetadata {
  return meta.isTensor
    ? { name: meta.name, isTensor: true, type: meta.type, shape: [...meta.shape] }
    : { name: meta.name, isTensor: false };
}

/** The graph's inputs and outputs, once the session is made (the load check). */
export async function describe(): Promise<SessionDescription> {
  const s = await sessionOf();
  return { inputs: s.inputMetadata.map(plain), outputs: s.outputMetadata.map(plain) };
}

export async function run(task: SessionTask): Promise<SessionResult> {
  const s = await sessionOf();
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, { type, data, dims }] of Object.entries(task.feeds))
    feeds[name] = new ort.Tensor(type, data, dims);
  const results = await s.run(feeds);
  const out: SessionResult = {};
  const buffers: ArrayBuffer[] = [];
  try {
    for (const [name, tensor] of Object.entries(results)) {
      if (tensor.type !== 'float32' && tensor.type !== 'int32' && tensor.type !== 'int64') {
        throw new Error(
          `output ${name} is ${tensor.type}: only float32, int32 and int64 outputs cross threads`,
        );
      }
      // A copy the thread owns, so its buffer can be moved to the caller.
      const data = (tensor.data as Float32Array | Int32Array | BigInt64Array).slice();
      out[name] = { type: tensor.type, data, dims: [...tensor.dims] } as TensorData;
      buffers.push(data.buffer as ArrayBuffer);
    }
  } finally {
    for (const tensor of Object.values(results)) tensor.dispose();
  }
  return Piscina.move({
    [Piscina.transferableSymbol]: buffers,
    [Piscina.valueSymbol]: out,
  } as never) as unknown as SessionResult;
}

export async function release(): Promise<void> {
  if (!session) return;
  const s = await session;
  session = undefined;
  await s.release();
}
