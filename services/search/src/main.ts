import 'reflect-metadata';
import { loadConfig } from '@lookalike/config';
import { RunningService, startService } from '@lookalike/messaging';
import { searchEnvSchema } from './search.config';
import { SearchModule } from './search.module';

export async function startSearch(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService> {
  const config = loadConfig(searchEnvSchema, env);
  return startService({ service: 'search', module: SearchModule.forRoot(config), config });
}

if (require.main === module) {
  startSearch().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
