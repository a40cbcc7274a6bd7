/**
 * The embedded run mode as the load benchmark needs it: the search module and the gateway (and the
 * embedding module when MODEL_DIR is set, for text search) in one process over the in-process
 * transport, in a process of its own so the load generator does not share its event loop.
 * Started by load.bench.ts; prints `READY <url>` once it answers.
 */
import { startEmbedding } from '@lookalike/service-embedding';
import { startSearch } from '@lookalike/service-search';
import { startGateway } from '@lookalike/service-gateway';

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, TRANSPORT: 'local' };
  const embedding = env.MODEL_DIR ? await startEmbedding(env) : undefined;
  const search = await startSearch(env);
  const gateway = await startGateway(env);
  const address = gateway.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : Number(env.API_PORT);
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
  const stop = async () => {
    await gateway.close();
    await search.close();
    await embedding?.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
