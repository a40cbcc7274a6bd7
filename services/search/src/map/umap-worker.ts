import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ProjectionInput } from './umap-projection';

/** The compiled worker: beside this file when compiled, in dist/ when run from sources (tests). */
function workerEntry(): string {
  const compiled = __filename.endsWith('.ts')
    ? join(__dirname, '../../dist/map/umap.worker.js')
    : join(__dirname, 'umap.worker.js');
  if (!existsSync(compiled))
    throw new Error(`${compiled} is missing: build services/search (make build) first`);
  return compiled;
}

/**
 * Runs `projectUmap` in a worker thread (tens of seconds of CPU for tens of thousands of points),
 * so the process that also answers searches keeps its event loop. Rejects when aborted.
 */
export function projectInWorker(
  input: ProjectionInput,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerEntry(), {
      workerData: input,
      transferList: [input.data.buffer as ArrayBuffer],
    });
    const abort = () => {
      void worker.terminate();
      reject(new Error('the map projection was aborted'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (message: { progress?: { done: number; total: number }; result?: Float32Array }) => {
      if (message.progress) onProgress(message.progress.done, message.progress.total);
      if (message.result) {
        signal?.removeEventListener('abort', abort);
        resolve(message.result);
        void worker.terminate();
      }
    });
    worker.on('error', (error) => {
      signal?.removeEventListener('abort', abort);
      reject(error);
    });
  });
}
