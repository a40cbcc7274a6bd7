import { join } from 'node:path';
import { z } from 'zod';
import { envBoolean, envInt, refineStorage, runtimeEnvSchema, storageEnvSchema } from '@lookalike/config';

export const embeddingEnvSchema = runtimeEnvSchema
  .merge(storageEnvSchema)
  .extend({
    /** Directory with visual.onnx, textual.onnx and model.json; without them the offline MobileNetV2 runs. */
    MODEL_DIR: z.string().optional(),
    /** Which export `make models` fetched (clip-vit-b32-laion2b | clip-vit-b32-openai); MODEL_DIR defaults to ./models/<MODEL_NAME>. */
    MODEL_NAME: z.string().optional(),
    MODEL_DEVICE: z.enum(['cpu', 'cuda']).default('cpu'),
    MODEL_VERIFY_HASHES: envBoolean(true),
    MODEL_INTRA_OP_THREADS: z.coerce.number().int().min(1).max(256).optional(),
    /** Runtime of the offline MobileNetV2: onnx (onnxruntime, converted at load) or tfjs (tfjs-wasm). */
    MOBILENET_RUNTIME: z.enum(['onnx', 'tfjs']).default('onnx'),
    BATCH_SIZE: envInt(8, 1, 256),
    BATCH_MAX_WAIT_MS: envInt(5, 0, 1000),
    EMBED_QUEUE_MAX: envInt(256, 1, 100_000),
    EMBED_REQUEST_TIMEOUT_MS: envInt(30_000, 100, 600_000),
    OBJECT_SIGNING_KEY: z.string().optional(),
  })
  .superRefine(refineStorage)
  .transform((env) => ({
    ...env,
    MODEL_DIR: env.MODEL_DIR?.trim() || (env.MODEL_NAME ? join('models', env.MODEL_NAME) : undefined),
  }));

export type EmbeddingConfig = z.infer<typeof embeddingEnvSchema>;
