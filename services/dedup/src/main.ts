import 'reflect-metadata';
import { loadConfig } from '@lookalike/config';
import { RunningService, startService } from '@lookalike/messaging';
import { dedupEnvSchema } from './dedup.config';
import { DedupModule } from './dedup.module';

export async function startDedup(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService> {
  const config = loadConfig(dedupEnvSchema, env);
  return startService({ service: 'dedup', module: DedupModule.forRoot(config), config });
}

if (require.main === module) {
  startDedup().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
