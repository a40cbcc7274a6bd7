import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { LocalBus, RpcClient, RunningService, serveBusOnPort } from '@lookalike/messaging';
import { metricsRegistry, startDefaultMetrics } from '@lookalike/observability';
import { startAnomaly } from '@lookalike/service-anomaly';
import { startDedup } from '@lookalike/service-dedup';
import { startEmbedding } from '@lookalike/service-embedding';
import { startFeedback } from '@lookalike/service-feedback';
import { startGateway } from '@lookalike/service-gateway';
import { startIngest } from '@lookalike/service-ingest';
import { startSearch } from '@lookalike/service-search';
import { startDemoSeed } from './demo-seed';
import { embeddedEnv, type Env } from './embedded-env';
import type { GatewayThreadData, GatewayThreadEvent } from './gateway-thread';

const allServices = {
  embedding: startEmbedding,
  ingest: startIngest,
  search: startSearch,
  dedup: startDedup,
  anomaly: startAnomaly,
  feedback: startFeedback,
} as const;
export type EmbeddedServiceName = keyof typeof allServices;

export interface EmbeddedStackOptions {
  /** Which service modules to host (all by default); tests leave one out to stand in for it. */
  services?: EmbeddedServiceName[];
  /**
   * Load the sample images (SAMPLES_DIR, default deploy/seed/images) into the tenant `demo` when it
   * is empty, in the background after start-up, and suggest `demo` on the sign-in form; `make demo`
   * turns it on, tests leave it off.
   */
  seedDemo?: boolean;
  /**
   * Run the gateway in a worker thread of its own (the default; GATEWAY_THREAD=false keeps it on
   * the main thread): its HTTP work then uses the second core instead of queueing behind the
   * service modules' work on one event loop.
   */
  gatewayThread?: boolean;
}

export interface EmbeddedStack {
  url: string;
  env: Env;
  close(): Promise<void>;
}

/**
 * The embedded run mode: every service module in this one process, meeting over the in-process
 * transport with the same contracts as over NATS; data under LOOKALIKE_DATA_DIR.
 */
export async function startEmbeddedStack(
  input: Env,
  options: EmbeddedStackOptions = {},
): Promise<EmbeddedStack> {
  const env = embeddedEnv(input, options);
  const threaded = options.gatewayThread ?? env.GATEWAY_THREAD !== 'false';
  if (threaded) startDefaultMetrics({ thread: 'main' });
  const services: RunningService[] = [];
  for (const name of options.services ?? (Object.keys(allServices) as EmbeddedServiceName[])) {
    services.push(await allServices[name](env));
  }
  const gateway = threaded ? await startGatewayThread(env) : await startGatewayHere(env);
  const seed = options.seedDemo
    ? startDemoSeed(new RpcClient(LocalBus.forProcess(), { service: 'embedded' }), env.SAMPLES_DIR!)
    : undefined;
  return {
    url: `http://127.0.0.1:${gateway.port}`,
    env,
    close: async () => {
      await seed?.stop();
      await gateway.close();
      for (const service of services.reverse()) {
        await service.close();
      }
      await LocalBus.forProcess().close();
    },
  };
}

interface RunningGateway {
  port: number;
  close(): Promise<void>;
}

async function startGatewayHere(env: Env): Promise<RunningGateway> {
  const app = await startGateway(env, { shutdownHooks: false });
  const address = app.getHttpServer().address();
  return {
    port: typeof address === 'object' && address ? address.port : Number(env.API_PORT ?? 8080),
    close: () => app.close(),
  };
}

/**
 * The compiled gateway-thread entry: beside this file when it runs compiled, in dist/ when it runs
 * from the TypeScript sources (tests).
 */
function gatewayThreadEntry(): string {
  const compiled = __filename.endsWith('.ts')
    ? join(__dirname, '../dist/gateway-thread.js')
    : join(__dirname, 'gateway-thread.js');
  if (!existsSync(compiled)) {
    throw new Error(`${compiled} is missing: build the embedded service (make build) first`);
  }
  return compiled;
}

/**
 * Starts the gateway in a worker thread whose requests reach this thread's in-process bus over a
 * MessagePort, and whose /metrics carries this thread's metrics too.
 */
async function startGatewayThread(env: Env): Promise<RunningGateway> {
  const channel = new MessageChannel();
  const stopServing = serveBusOnPort(channel.port1, LocalBus.forProcess(), {
    metrics: () => metricsRegistry.getMetricsAsJSON(),
  });
  const data: GatewayThreadData = { env, bus: channel.port2 };
  const worker = new Worker(gatewayThreadEntry(), {
    workerData: data,
    transferList: [channel.port2],
  });
  const closed = new Promise<void>((resolveClosed) => worker.once('exit', () => resolveClosed()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const onEvent = (event: GatewayThreadEvent) => {
      if (event.kind === 'listening') resolvePort(event.port);
      if (event.kind === 'failed') reject(new Error(`the gateway thread failed to start: ${event.message}`));
    };
    worker.on('message', onEvent);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the gateway thread exited with code ${code}`)));
  });
  worker.on('error', (error) => {
    // An HTTP front that died leaves nothing to serve: stop the process the way a crash would.
    console.error('the gateway thread failed:', error);
    process.exitCode = 1;
    process.kill(process.pid, 'SIGTERM');
  });
  return {
    port,
    close: async () => {
      const done = new Promise<void>((resolveDone) =>
        worker.on('message', (event: GatewayThreadEvent) => event.kind === 'closed' && resolveDone()),
      );
      worker.postMessage({ kind: 'close' });
      await Promise.race([done, closed, new Promise((r) => setTimeout(r, 10_000).unref())]);
      stopServing();
      channel.port1.close();
      await worker.terminate();
    },
  };
}
