import 'reflect-metadata';
import { loadConfig } from '@lookalike/config';
import { RunningService, startService } from '@lookalike/messaging';
import { ingestEnvSchema } from './ingest.config';
import { IngestModule } from './ingest.module';

export async function startIngest(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService> {
  const config = loadConfig(ingestEnvSchema, env);
  return startService({ service: 'ingest', module: IngestModule.forRoot(config), config });
}

if (require.main === module) {
  startIngest().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
