import { resolve } from 'node:path';
import { DEMO_OWNER } from './demo-seed';

export type Env = Record<string, string | undefined>;

/** Ingests (and batch items) and dedup checks at once in the embedded stack, unless set. */
export const EMBEDDED_INGEST_CONCURRENCY = 8;
export const EMBEDDED_DEDUP_CHECK_CONCURRENCY = 4;
/** onnxruntime's intra-op threads in the embedded stack, unless set. */
export const EMBEDDED_MODEL_THREADS = 1;

/** The environment every module of the embedded stack reads: the caller's, with this mode's defaults. */
export function embeddedEnv(input: Env, options: { seedDemo?: boolean } = {}): Env {
  const env: Env = {
    ...input,
    TRANSPORT: 'local',
    // One process owns the index here, so it can live in memory (graphs over a LanceDB copy).
    VECTOR_STORE: input.VECTOR_STORE ?? 'hnsw',
    AUTH_DEV_LOGIN: input.AUTH_DEV_LOGIN ?? 'true',
    LOOKALIKE_DATA_DIR: resolve(input.LOOKALIKE_DATA_DIR ?? './data'),
    // Signed object URLs of the local store point at this process's gateway.
    PUBLIC_BASE_URL: input.PUBLIC_BASE_URL ?? `http://127.0.0.1:${input.API_PORT ?? 8080}`,
    // Any user may load these into an empty library ("Load sample images" in the console).
    SAMPLES_DIR: input.SAMPLES_DIR ?? input.SEED_DIR ?? resolve(__dirname, '../../../deploy/seed/images'),
    // One process holds every stage here, so more uploads in flight keep both cores busy: 8 ingests
    // and 4 dedup checks at once measured 7.3 -> 8.9 images/s (docs/ingest.md, "Throughput"). The
    // services' own defaults (4, 2, 4) stay for the distributed mode, where the checks wait on the
    // vector store and more of them in flight only turned into busy answers.
    INGEST_CONCURRENCY: input.INGEST_CONCURRENCY ?? String(EMBEDDED_INGEST_CONCURRENCY),
    DEDUP_CHECK_CONCURRENCY: input.DEDUP_CHECK_CONCURRENCY ?? String(EMBEDDED_DEDUP_CHECK_CONCURRENCY),
    BATCH_CONCURRENCY: input.BATCH_CONCURRENCY ?? String(EMBEDDED_INGEST_CONCURRENCY),
    // One onnxruntime thread: every core here is busy with other stages while ingesting, and a
    // second intra-op thread made each MobileNetV2 image cost 40-50% more CPU (8.6-9.9 against
    // 11.7-15.2 ms) for 1-1.5 ms less latency (docs/ingest.md, "Compiled quality sums, a compiled matcher and one model thread"). The
    // embedding service's own default (every core) stays for its pods.
    MODEL_INTRA_OP_THREADS: input.MODEL_INTRA_OP_THREADS ?? String(EMBEDDED_MODEL_THREADS),
    // The gateway thread's stdout is no terminal even when the process's is: decide here.
    LOG_FORMAT: (input.LOG_FORMAT ?? 'auto') === 'auto' && process.stdout.isTTY ? 'pretty' : input.LOG_FORMAT,
  };
  // The sign-in form suggests the user whose library the seed fills.
  if (options.seedDemo && env.AUTH_DEV_LOGIN === 'true') {
    env.AUTH_DEV_LOGIN_SUGGESTED_USER = input.AUTH_DEV_LOGIN_SUGGESTED_USER ?? DEMO_OWNER;
    // ...and may apply the thresholds its reviews suggest (anyone may sign in as it in dev login).
    env.AUTH_ADMIN_USERS = input.AUTH_ADMIN_USERS ?? DEMO_OWNER;
  }
  return env;
}
