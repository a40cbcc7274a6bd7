/**
 * The embedded run mode as the load benchmark needs it: the embedded host (`startEmbeddedStack`,
 * the gateway in its own thread unless GATEWAY_THREAD=false) with the search module (and the
 * embedding module when MODEL_DIR is set, for text search), in a process of its own so the load
 * generator does not share its event loop. Started by load.bench.ts; prints `READY <url>` once it
 * answers.
 */
import { startEmbeddedStack, type EmbeddedServiceName } from '@lookalike/service-embedded';

async function main(): Promise<void> {
  const services: EmbeddedServiceName[] = process.env.MODEL_DIR ? ['embedding', 'search'] : ['search'];
  const stack = await startEmbeddedStack(process.env, { services });
  process.stdout.write(`READY ${stack.url}\n`);
  const stop = async () => {
    await stack.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
