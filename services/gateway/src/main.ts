import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@lookalike/config';
import { startDefaultMetrics, startTracing } from '@lookalike/observability';
import { Logger } from 'nestjs-pino';
import { configureGateway } from './app-setup';
import { gatewayEnvSchema } from './gateway.config';
import { GatewayModule } from './gateway.module';

export async function startGateway(
  env: Record<string, string | undefined> = process.env,
): Promise<NestExpressApplication> {
  const config = loadConfig(gatewayEnvSchema, env);
  startTracing('lookalike-gateway', config.OTEL_EXPORTER_OTLP_ENDPOINT);
  startDefaultMetrics();
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
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
