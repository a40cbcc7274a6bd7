/**
 * The worker side of `OnnxSessionThread`: one onnxruntime session per worker thread. onnxruntime-node
 * runs `session.run` synchronously on the thread that calls it (its promise only defers the call by
 * a setImmediate), and that thread joins the intra-op pool for the whole inference: called from a
 * service's event loop, a batch blocks it. Here it blocks this thread instead.
 */
import * as ort from 'onnxruntime-node';
import { Piscina, workerData } from 'piscina';

export interface SessionWorkerData {
  /** The ONNX graph's bytes. */
  model: Uint8Array;
  options: ort.InferenceSession.SessionOptions;
}

export interface SessionTask {
  /** Float32 input tensors by name, with their dims. */
  feeds: Record<string, { data: Float32Array; dims: number[] }>;
}

/** Float32 outputs by name, moved back with their dims. */
export type SessionResult = Record<string, { data: Float32Array; dims: number[] }>;

let session: Promise<ort.InferenceSession> | undefined;

function sessionOf(): Promise<ort.InferenceSession> {
  const { model, options } = workerData as SessionWorkerData;
  session ??= ort.InferenceSession.create(model, options);
  return session;
}

/** Answers with the input and output names once the session is made (a load check). */
export async function describe(): Promise<{ inputs: readonly string[]; outputs: readonly string[] }> {
  const s = await sessionOf();
  return { inputs: s.inputNames, outputs: s.outputNames };
}

export async function run(task: SessionTask): Promise<SessionResult> {
  const s = await sessionOf();
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, { data, dims }] of Object.entries(task.feeds))
    feeds[name] = new ort.Tensor('float32', data, dims);
  const results = await s.run(feeds);
  const out: SessionResult = {};
  const buffers: ArrayBuffer[] = [];
  try {
    for (const [name, tensor] of Object.entries(results)) {
      // A copy the thread owns, so its buffer can be moved to the caller.
      const data = Float32Array.from(tensor.data as Float32Array);
      out[name] = { data, dims: [...tensor.dims] };
      buffers.push(data.buffer);
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
