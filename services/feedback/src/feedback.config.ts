import { z } from 'zod';
import { envInt, refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const feedbackEnvSchema = runtimeEnvSchema
  .merge(storageEnvSchema)
  .extend({
    /** Most hard-negative pairs one export returns (newest first). */
    FEEDBACK_HARD_NEGATIVES_MAX: envInt(100_000, 1, 10_000_000),
  })
  .superRefine(refineStorage);

export type FeedbackConfig = z.infer<typeof feedbackEnvSchema>;
