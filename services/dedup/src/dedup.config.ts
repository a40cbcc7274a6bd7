import { z } from 'zod';
import { refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const dedupEnvSchema = runtimeEnvSchema.merge(storageEnvSchema).superRefine(refineStorage);

export type DedupConfig = z.infer<typeof dedupEnvSchema>;
