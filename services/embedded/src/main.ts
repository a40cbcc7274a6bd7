import 'reflect-metadata';
import { startEmbeddedStack } from './embedded-host';

async function main(): Promise<void> {
  const stack = await startEmbeddedStack(process.env, { seedDemo: process.env.SEED_DEMO !== 'false' });
  const lines = [
    '',
    'Lookalike is running (embedded mode, one process).',
    `  Console      ${stack.url}/`,
    `  API          ${stack.url}/api`,
    `  API docs     ${stack.url}/docs`,
    `  OpenAPI      ${stack.url}/docs/openapi.json`,
    `  Health       ${stack.url}/healthz  ${stack.url}/readyz  ${stack.url}/metrics`,
    `  Data         ${stack.env.LOOKALIKE_DATA_DIR}`,
    'Stop with Ctrl+C.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl+C while the stack flushes: leave at once.
      process.stderr.write(`\n${signal} again: exiting without waiting for the stack to stop\n`);
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping (the index, queues and logs are flushed first)\n`);
    try {
      await stack.close();
      process.exit(0);
    } catch (error) {
      process.stderr.write(
        `the stack did not stop cleanly: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
