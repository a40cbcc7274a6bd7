import 'reflect-metadata';
import { loadConfig } from '@lookalike/config';
import { RunningService, startService } from '@lookalike/messaging';
import { anomalyEnvSchema } from './anomaly.config';
import { AnomalyModule } from './anomaly.module';

export async function startAnomaly(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService> {
  const config = loadConfig(anomalyEnvSchema, env);
  return startService({ service: 'anomaly', module: AnomalyModule.forRoot(config), config });
}

if (require.main === module) {
  startAnomaly().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
