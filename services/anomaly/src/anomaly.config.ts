import { z } from 'zod';
import { refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const anomalyEnvSchema = runtimeEnvSchema.merge(storageEnvSchema).superRefine(refineStorage);

export type AnomalyConfig = z.infer<typeof anomalyEnvSchema>;
