import 'reflect-metadata';
import { loadConfig } from '@lookalike/config';
import { RunningService, startService } from '@lookalike/messaging';
import { feedbackEnvSchema } from './feedback.config';
import { FeedbackModule } from './feedback.module';

export async function startFeedback(
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService> {
  const config = loadConfig(feedbackEnvSchema, env);
  return startService({ service: 'feedback', module: FeedbackModule.forRoot(config), config });
}

if (require.main === module) {
  startFeedback().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
