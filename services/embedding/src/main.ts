import 'reflect-metadata';
import { loadConfig } from '@lookalike/config';
import { RunningService, startService } from '@lookalike/messaging';
import { embeddingEnvSchema } from './embedding.config';
import { EmbeddingModule } from './embedding.module';

export async function startEmbedding(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService> {
  const config = loadConfig(embeddingEnvSchema, env);
  return startService({ service: 'embedding', module: EmbeddingModule.forRoot(config), config });
}

if (require.main === module) {
  startEmbedding().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
