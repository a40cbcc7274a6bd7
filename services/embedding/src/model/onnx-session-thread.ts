import { BoundedWorkerPool, workerFile } from '@lookalike/workers';
import type * as ort from 'onnxruntime-node';
import type {
  SessionDescription,
  SessionResult,
  SessionTask,
  SessionWorkerData,
} from './onnx-session-worker';

/**
 * An onnxruntime session on a thread of its own (one piscina worker), so inference never holds
 * the event loop of the process that calls it: onnxruntime-node's `run` is synchronous on the
 * calling thread (docs/embedding.md). Inputs are moved to the thread, outputs moved back.
 */
export class OnnxSessionThread {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly pool: BoundedWorkerPool,
    readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
    readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  ) {}

  /** Starts the thread and makes the session there; a graph onnxruntime refuses rejects here. */
  static async start(
    model: Uint8Array | string,
    options: ort.InferenceSession.SessionOptions,
  ): Promise<OnnxSessionThread> {
    const data: SessionWorkerData = { model, options };
    // Unbounded: the embedding service's batch queue bounds what reaches the session.
    const pool = new BoundedWorkerPool({
      filename: workerFile(__filename, 'onnx-session-worker'),
      threads: 1,
      maxQueue: Infinity,
      busyMessage: 'the model thread is busy',
      workerData: data,
    });
    try {
      const graph = await pool.run<SessionDescription>(undefined, { name: 'describe' });
      return new OnnxSessionThread(pool, graph.inputs, graph.outputs);
    } catch (error) {
      await pool.close(true);
      throw error;
    }
  }

  /** One inference; the inputs' buffers are moved to the thread (the caller must not reuse them). */
  run(feeds: SessionTask['feeds']): Promise<SessionResult> {
    const task: SessionTask = { feeds };
    const transferList = [...new Set(Object.values(feeds).map((f) => f.data.buffer as ArrayBuffer))];
    return this.pool.run<SessionResult>(task, { name: 'run', transferList });
  }

  /** Releases the session and ends the thread; safe to call again. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.pool.run(undefined, { name: 'release' });
      } finally {
        await this.pool.close();
      }
    })();
    return this.closed;
  }
}
