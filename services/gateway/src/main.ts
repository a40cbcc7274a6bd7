import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@lookalike/config';
import { startDefaultMetrics, startTracing, tuneHeapGrowth } from '@lookalike/observability';
import { Logger } from 'nestjs-pino';
import { configureGateway } from './app-setup';
import { gatewayEnvSchema } from './gateway.config';
import { GatewayModule } from './gateway.module';

export interface StartGatewayOptions {
  /**
   * Close on SIGINT/SIGTERM (the gateway as a process of its own). The embedded host turns it off:
   * it stops the gateway and the service modules itself, in order.
   */
  shutdownHooks?: boolean;
}

export async function startGateway(
  env: Record<string, string | undefined> = process.env,
  options: StartGatewayOptions = {},
): Promise<NestExpressApplication> {
  const config = loadConfig(gatewayEnvSchema, env);
  startTracing('lookalike-gateway', config.OTEL_EXPORTER_OTLP_ENDPOINT);
  startDefaultMetrics();
  tuneHeapGrowth(config.NODE_HEAP_GROWING_PERCENT);
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  configureGateway(app, config);
  await app.listen(config.API_PORT, config.API_HOST);
  return app;
}

if (require.main === module) {
  startGateway().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
