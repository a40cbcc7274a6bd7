import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { Piscina } from 'piscina';
import type {
  SessionDescription,
  SessionResult,
  SessionTask,
  SessionWorkerData,
} from './onnx-session-worker';

/** The compiled worker: beside this file when compiled, in dist/ when run from sources (tests). */
function workerEntry(): string {
  const compiled = __filename.endsWith('.ts')
    ? join(__dirname, '../../dist/model/onnx-session-worker.js')
    : join(__dirname, 'onnx-session-worker.js');
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} is missing: build services/embedding (make build) first`);
  }
  return compiled;
}

/**
 * An onnxruntime session on a thread of its own (one piscina worker), so inference never holds
 * the event loop of the process that calls it: onnxruntime-node's `run` is synchronous on the
 * calling thread (docs/embedding.md). Inputs are moved to the thread, outputs moved back.
 */
export class OnnxSessionThread {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly pool: Piscina,
    readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[],
    readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[],
  ) {}

  /** Starts the thread and makes the session there; a graph onnxruntime refuses rejects here. */
  static async start(
    model: Uint8Array | string,
    options: ort.InferenceSession.SessionOptions,
  ): Promise<OnnxSessionThread> {
    const data: SessionWorkerData = { model, options };
    const pool = new Piscina({
      filename: workerEntry(),
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      workerData: data,
    });
    try {
      const graph = (await pool.run(undefined, { name: 'describe' })) as SessionDescription;
      return new OnnxSessionThread(pool, graph.inputs, graph.outputs);
    } catch (error) {
      await pool.close({ force: true });
      throw error;
    }
  }

  /** One inference; the inputs' buffers are moved to the thread (the caller must not reuse them). */
  run(feeds: SessionTask['feeds']): Promise<SessionResult> {
    const task: SessionTask = { feeds };
    const transferList = [...new Set(Object.values(feeds).map((f) => f.data.buffer as ArrayBuffer))];
    return this.pool.run(task, { name: 'run', transferList }) as Promise<SessionResult>;
  }

  /** Releases the session and ends the thread; safe to call again. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        await this.pool.run(undefined, { name: 'release' });
      } finally {
        await this.pool.close({ force: false });
      }
    })();
    return this.closed;
  }
}
