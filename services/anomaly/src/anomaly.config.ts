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
    /** The model whose vectors are scored (the collection's newest when empty). */
    ANOMALY_MODEL: z.string().optional(),
    /** Cron of the scheduled full recompute of every tenant; `off` disables it. */
    ANOMALY_RECOMPUTE_CRON: z.string().default('30 3 * * *'),
    /** The tenant reference (centroid, medians) an ingest-time score uses is refreshed after this long. */
    ANOMALY_REFERENCE_TTL_S: envInt(600, 0, 86_400),
    /** Lifetime of the signed thumbnail URLs in the queue. */
    ANOMALY_URL_TTL_SECONDS: envInt(900, 30, 86_400),
  })
  .superRefine(refineStorage);

export type AnomalyConfig = z.infer<typeof anomalyEnvSchema>;
