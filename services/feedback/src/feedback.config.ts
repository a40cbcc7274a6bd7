import { z } from 'zod';
import { refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const feedbackEnvSchema = runtimeEnvSchema.merge(storageEnvSchema).superRefine(refineStorage);

export type FeedbackConfig = z.infer<typeof feedbackEnvSchema>;
