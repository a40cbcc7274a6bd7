import { z } from 'zod';
import { refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const searchEnvSchema = runtimeEnvSchema.merge(storageEnvSchema).superRefine(refineStorage);

export type SearchConfig = z.infer<typeof searchEnvSchema>;
