import { parentPort, workerData } from 'node:worker_threads';
import { projectUmap, type ProjectionInput } from './umap-projection';

// The map's UMAP off the service's event loop: one projection per worker, progress as messages.
const input = workerData as ProjectionInput;
const result = projectUmap(input, (done, total) => parentPort?.postMessage({ progress: { done, total } }));
parentPort?.postMessage({ result }, [result.buffer]);
