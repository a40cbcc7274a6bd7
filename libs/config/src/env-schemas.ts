import { z } from 'zod';

/** `true/false/1/0/yes/no` as a boolean; anything else is a configuration error. */
export const envBoolean = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envInt = (defaultValue: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(defaultValue);

export const envNumber = (defaultValue: number, min = -Infinity, max = Infinity) =>
  z.coerce.number().min(min).max(max).default(defaultValue);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const optionalUrl = optionalString.refine((v) => v === undefined || URL.canParse(v), 'must be a URL');

/** What every process of Lookalike reads: identity, logging, transport, tracing, data directory. */
export const runtimeEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * `pretty`: one readable, coloured line per entry (pino-pretty); `json`: pino's JSON lines;
   * `auto`: pretty when standard output is a terminal, JSON otherwise (files, pipes, containers).
   */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
  /** Older switch for `LOG_FORMAT=pretty`; an explicit LOG_FORMAT wins. */
  LOG_PRETTY: envBoolean(false),
  TRANSPORT: z.enum(['local', 'nats']).default('local'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_SUBJECT_PREFIX: optionalString,
  RPC_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).optional(),
  LOOKALIKE_DATA_DIR: z.string().default('./data'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * Per-tenant metric series (docs/OPERATIONS.md, "QC metrics"): the this-many largest tenants get
   * their own `tenant` label, every other tenant is counted under `other`.
   */
  METRICS_TENANT_TOP_N: z.coerce.number().int().min(0).max(1000).default(20),
  /**
   * V8 heap growing factor after a full GC, as 1 + percent/100 (docs/OPERATIONS.md, "Memory"):
   * fewer full collections for up to that much more heap; 0 leaves V8's own (about 1.1-1.3 here).
   */
  NODE_HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(400).default(100),
});
export type RuntimeEnv = z.infer<typeof runtimeEnvSchema>;

/** Storage adapters, chosen by configuration (DESIGN.md section 2). */
export const storageEnvSchema = z.object({
  /**
   * hnsw: in-process graphs over a LanceDB durable copy, for one process (the embedded default);
   * lancedb: several processes on one folder; qdrant: the distributed engine.
   */
  VECTOR_STORE: z.enum(['hnsw', 'lancedb', 'qdrant']).default('lancedb'),
  QDRANT_URL: optionalUrl,
  QDRANT_API_KEY: optionalString,
  QDRANT_COLLECTION: z.string().default('images'),
  ENABLE_QUANTIZATION: envBoolean(false),
  QUANTIZATION: z.enum(['scalar', 'product', 'binary']).default('scalar'),
  OBJECT_STORE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: optionalUrl,
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().default('lookalike'),
  S3_ACCESS_KEY: optionalString,
  S3_SECRET_KEY: optionalString,
  PUBLIC_BASE_URL: optionalUrl,
  DATABASE_URL: optionalString,
});
export type StorageEnv = z.infer<typeof storageEnvSchema>;

/** Durable jobs (libs/messaging's JobRunner): leases, JetStream redelivery, the name in leases. */
export const jobsEnvSchema = z.object({
  /** A worker that stops renewing its lease loses the job after this long. */
  JOB_LEASE_SECONDS: envInt(30, 1, 3600),
  /** JetStream redelivers a message not acked (nor heartbeated) within this long. */
  JOB_ACK_WAIT_MS: envInt(30_000, 500, 3_600_000),
  /** Names this process in job leases; default `<service>-<host>-<pid>`. */
  WORKER_ID: optionalString,
});
export type JobsEnv = z.infer<typeof jobsEnvSchema>;

/** Local features (ORB through OpenCV) for the geometric verification of near-duplicates. */
export const localFeaturesEnvSchema = z.object({
  /** Extract them at ingest and verify candidates with them in dedup. */
  LOCAL_FEATURES: envBoolean(true),
  /** Worker threads of this process's OpenCV pool (an OpenCV.js thread holds about 60 MB of heap). */
  LOCAL_FEATURES_THREADS: envInt(1, 1, 16),
  /**
   * Which OpenCV: `native` (the system's, through libs/local-features/native; about 5x faster),
   * `wasm` (OpenCV.js), or `auto`, native when its addon is built (docs/local-features.md).
   */
  LOCAL_FEATURES_RUNTIME: z.enum(['auto', 'native', 'wasm']).default('auto'),
});
export type LocalFeaturesEnv = z.infer<typeof localFeaturesEnvSchema>;

/** Adds the cross-field rules of the storage schema (Qdrant needs a URL, S3 needs keys). */
export function refineStorage<T extends StorageEnv>(env: T, ctx: z.RefinementCtx): void {
  if (env.VECTOR_STORE === 'qdrant' && !env.QDRANT_URL) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['QDRANT_URL'],
      message: 'required when VECTOR_STORE=qdrant',
    });
  }
  if (env.OBJECT_STORE === 's3') {
    for (const key of ['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const) {
      if (!env[key]) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'required when OBJECT_STORE=s3' });
      }
    }
  }
}
