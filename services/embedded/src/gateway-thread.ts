import 'reflect-metadata';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ThreadBus } from '@lookalike/messaging';
import { setPeerMetricsSource, startDefaultMetrics } from '@lookalike/observability';
import { startGateway } from '@lookalike/service-gateway';

/** What the embedded host hands the gateway thread. */
export interface GatewayThreadData {
  env: Record<string, string | undefined>;
  /** The port whose other end serves the main thread's in-process bus. */
  bus: MessagePort;
}

/** Messages from the gateway thread to the host. */
export type GatewayThreadEvent =
  { kind: 'listening'; port: number } | { kind: 'closed' } | { kind: 'failed'; message: string };

/**
 * The embedded gateway in a worker thread: HTTP parsing, auth, validation and serialisation run
 * on a core of their own, and reach the service modules on the main thread through a ThreadBus.
 */
async function run(): Promise<void> {
  const { env, bus } = workerData as GatewayThreadData;
  const port = parentPort!;
  const threadBus = new ThreadBus(bus);
  ThreadBus.install(threadBus);
  startDefaultMetrics({ thread: 'gateway' });
  setPeerMetricsSource(() => threadBus.peerMetrics());
  const app = await startGateway(env, { shutdownHooks: false });
  const address = app.getHttpServer().address();
  const listening = typeof address === 'object' && address ? address.port : Number(env.API_PORT ?? 8080);
  port.postMessage({ kind: 'listening', port: listening } satisfies GatewayThreadEvent);
  port.once('message', (message: { kind: 'close' }) => {
    if (message.kind !== 'close') return;
    void app
      .close()
      .then(() => threadBus.close())
      .then(() => port.postMessage({ kind: 'closed' } satisfies GatewayThreadEvent));
  });
}

run().catch((error: unknown) => {
  parentPort?.postMessage({
    kind: 'failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  } satisfies GatewayThreadEvent);
});
