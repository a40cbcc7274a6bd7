import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZodTypeAny } from 'zod';
import { anomalyEnvSchema } from '@lookalike/service-anomaly';
import { dedupEnvSchema } from '@lookalike/service-dedup';
import { embeddingEnvSchema } from '@lookalike/service-embedding';
import { feedbackEnvSchema } from '@lookalike/service-feedback';
import { gatewayEnvSchema } from '@lookalike/service-gateway';
import { ingestEnvSchema } from '@lookalike/service-ingest';
import { searchEnvSchema } from '@lookalike/service-search';

/** The object shape under a schema's refinements and transforms. */
function keysOf(schema: ZodTypeAny): string[] {
  let node: unknown = schema;
  for (let depth = 0; depth < 10; depth += 1) {
    const candidate = node as { shape?: Record<string, unknown>; _def?: Record<string, unknown> };
    if (candidate.shape) {
      return Object.keys(candidate.shape);
    }
    node = candidate._def?.schema ?? candidate._def?.innerType ?? candidate._def?.in;
  }
  throw new Error('no object schema found');
}

describe('.env.example', () => {
  const documented = new Set(
    [
      ...readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8').matchAll(
        /^#? ?([A-Z][A-Z0-9_]+)=/gm,
      ),
    ].map((m) => m[1]),
  );

  it.each([
    ['gateway', gatewayEnvSchema],
    ['ingest', ingestEnvSchema],
    ['embedding', embeddingEnvSchema],
    ['search', searchEnvSchema],
    ['dedup', dedupEnvSchema],
    ['anomaly', anomalyEnvSchema],
    ['feedback', feedbackEnvSchema],
  ] as Array<[string, ZodTypeAny]>)('documents every variable the %s service reads', (_name, schema) => {
    const missing = keysOf(schema).filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
  });
});
