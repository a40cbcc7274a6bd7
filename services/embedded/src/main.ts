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
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
