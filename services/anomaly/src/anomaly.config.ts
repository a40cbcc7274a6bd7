import { z } from 'zod';
import { envInt, jobsEnvSchema, refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const anomalyEnvSchema = runtimeEnvSchema
  .merge(storageEnvSchema)
  .merge(jobsEnvSchema)
  .extend({
    /** HMAC key of the local store's signed URLs (shared with the gateway); read from the data dir when absent. */
    OBJECT_SIGNING_KEY: z.string().optional(),
    /** Neighbours of the density score (the nearest one is the DNN score). */
    ANOMALY_K: envInt(10, 1, 100),
    /** Weights of the combined score, `dnn=0.3,density=0.3,ood=0.25,quality=0.15`. */
    ANOMALY_WEIGHTS: z.string().default('dnn=0.3,density=0.3,ood=0.25,quality=0.15'),
    /** How long a tenant's applied weights are reused per process (apply/undo here invalidate at once). */
    ANOMALY_SETTINGS_CACHE_S: envInt(10, 0, 3600),
    /** Reviews of each verdict (ok, anomaly) the weight fit needs before it suggests weights. */
    ANOMALY_CALIBRATION_MIN_EACH: envInt(10, 1, 100_000),
    /** The model whose vectors are scored (the collection's newest when empty). */
    ANOMALY_MODEL: z.string().optional(),
    /** Cron of the scheduled full recompute of every tenant; `off` disables it. */
    ANOMALY_RECOMPUTE_CRON: z.string().default('30 3 * * *'),
    /**
     * The tenant reference (centroid, medians) ingest-time scores use is rebuilt in the background
     * after this long (or once the tenant outgrew it), from a sample of this many recent images.
     */
    ANOMALY_REFERENCE_TTL_S: envInt(600, 0, 86_400),
    ANOMALY_REFERENCE_SAMPLE: envInt(1000, 10, 100_000),
    /**
     * The ingest-time scoring queue: how far behind a tenant's scores may fall (the next batch is
     * handed out after half of it at the latest; past it, new images are refused with busy), how
     * many images may wait in this process, and how many one pass scores.
     */
    ANOMALY_MAX_LAG_MS: envInt(5000, 500, 600_000),
    ANOMALY_QUEUE_MAX: envInt(5000, 1, 1_000_000),
    ANOMALY_BATCH_MAX: envInt(256, 1, 10_000),
    /** How long an idle tenant's first waiting image waits for others to share its pass (and job). */
    ANOMALY_BATCH_GATHER_MS: envInt(1000, 0, 300_000),
    /** Payload scores of a tenant are written at most once per this long (SQL at once). */
    ANOMALY_PAYLOAD_FLUSH_MS: envInt(2000, 0, 600_000),
    /** Lifetime of the signed thumbnail URLs in the queue. */
    ANOMALY_URL_TTL_SECONDS: envInt(900, 30, 86_400),
  })
  .superRefine(refineStorage)
  .superRefine((env, ctx) => {
    if (env.ANOMALY_BATCH_GATHER_MS >= env.ANOMALY_MAX_LAG_MS / 2) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ANOMALY_BATCH_GATHER_MS'],
        message: 'must be below half of ANOMALY_MAX_LAG_MS (a gathering batch is part of the lag bound)',
      });
    }
    if (env.ANOMALY_PAYLOAD_FLUSH_MS >= env.ANOMALY_MAX_LAG_MS) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ANOMALY_PAYLOAD_FLUSH_MS'],
        message: 'must be below ANOMALY_MAX_LAG_MS (payload scores are part of the lag bound)',
      });
    }
  });

export type AnomalyConfig = z.infer<typeof anomalyEnvSchema>;
