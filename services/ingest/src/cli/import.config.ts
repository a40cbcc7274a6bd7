import { z } from 'zod';
import { loadConfig } from '@lookalike/config';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** What the import CLI reads from its environment (flags override the URL). */
export const importEnvSchema = z.object({
  LOOKALIKE_URL: z.string().url().default('http://127.0.0.1:8080'),
  /** A bearer token; without it `--user` asks a dev-login stack for one. */
  LOOKALIKE_TOKEN: optional,
});

export type ImportEnv = z.infer<typeof importEnvSchema>;

export function loadImportEnv(): ImportEnv {
  return loadConfig(importEnvSchema, process.env);
}
