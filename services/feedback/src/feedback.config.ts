import { z } from 'zod';
import { envInt, envNumber, refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const feedbackEnvSchema = runtimeEnvSchema
  .merge(storageEnvSchema)
  .extend({
    /** Most hard-negative pairs one export returns (newest first). */
    FEEDBACK_HARD_NEGATIVES_MAX: envInt(100_000, 1, 10_000_000),
    /** A scored image at or above this combined anomaly score and never reviewed is in the review queue. */
    STATS_ANOMALY_FLAG_SCORE: envNumber(0.8, 0, 1),
    /** The per-tenant QC gauges are recounted this often (0: never; /api/stats counts on request). */
    STATS_METRICS_INTERVAL_S: envInt(60, 0, 86_400),
  })
  .superRefine(refineStorage);

export type FeedbackConfig = z.infer<typeof feedbackEnvSchema>;
