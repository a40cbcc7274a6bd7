import { z } from 'zod';
import { refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const ingestEnvSchema = runtimeEnvSchema.merge(storageEnvSchema).superRefine(refineStorage);

export type IngestConfig = z.infer<typeof ingestEnvSchema>;
