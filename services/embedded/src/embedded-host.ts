import { resolve } from 'node:path';
import { LocalBus, RpcClient, RunningService } from '@lookalike/messaging';
import { startAnomaly } from '@lookalike/service-anomaly';
import { startDedup } from '@lookalike/service-dedup';
import { startEmbedding } from '@lookalike/service-embedding';
import { startFeedback } from '@lookalike/service-feedback';
import { startGateway } from '@lookalike/service-gateway';
import { startIngest } from '@lookalike/service-ingest';
import { startSearch } from '@lookalike/service-search';
import { startDemoSeed } from './demo-seed';

export type Env = Record<string, string | undefined>;

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
   * Ingest deploy/seed/images (or SEED_DIR) into the tenant `demo` when it is empty, in the
   * background after start-up; `make demo` turns it on, tests leave it off.
   */
  seedDemo?: boolean;
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
  const env: Env = {
    ...input,
    TRANSPORT: 'local',
    // One process owns the index here, so it can live in memory (graphs over a LanceDB copy).
    VECTOR_STORE: input.VECTOR_STORE ?? 'hnsw',
    AUTH_DEV_LOGIN: input.AUTH_DEV_LOGIN ?? 'true',
    LOOKALIKE_DATA_DIR: resolve(input.LOOKALIKE_DATA_DIR ?? './data'),
    // Signed object URLs of the local store point at this process's gateway.
    PUBLIC_BASE_URL: input.PUBLIC_BASE_URL ?? `http://127.0.0.1:${input.API_PORT ?? 8080}`,
  };
  const services: RunningService[] = [];
  for (const name of options.services ?? (Object.keys(allServices) as EmbeddedServiceName[])) {
    services.push(await allServices[name](env));
  }
  const gateway = await startGateway(env);
  const address = gateway.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : Number(env.API_PORT ?? 8080);
  const seed = options.seedDemo
    ? startDemoSeed(
        new RpcClient(LocalBus.forProcess(), { service: 'embedded' }),
        env.SEED_DIR ?? resolve(__dirname, '../../../deploy/seed/images'),
      )
    : undefined;
  return {
    url: `http://127.0.0.1:${port}`,
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
