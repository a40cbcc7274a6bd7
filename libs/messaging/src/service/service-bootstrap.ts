import { DynamicModule, INestApplication, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { RuntimeEnv } from '@lookalike/config';
import { startDefaultMetrics, startTracing, tuneHeapGrowth } from '@lookalike/observability';
import { Logger } from 'nestjs-pino';
import { BusServer } from '../bus-server';
import { LocalBus } from '../local/local.bus';
import { MESSAGE_BUS, MessageBus } from '../message-bus.port';
import { PassThroughRpcFilter } from '../rpc-exception.filter';

export interface StartServiceOptions {
  service: string;
  module: Type | DynamicModule;
  config: RuntimeEnv;
  /** Port of the service's own /healthz, /readyz, /metrics server (distributed mode). */
  healthPort?: number;
}

export interface RunningService {
  app: INestApplicationContext;
  close(): Promise<void>;
}

/**
 * Starts one service. Over NATS it is its own process with a small HTTP server for probes and
 * metrics; over the in-process bus it is a module of the embedded host (no HTTP of its own).
 */
export async function startService(options: StartServiceOptions): Promise<RunningService> {
  startTracing(`lookalike-${options.service}`, options.config.OTEL_EXPORTER_OTLP_ENDPOINT);
  startDefaultMetrics();
  tuneHeapGrowth(options.config.NODE_HEAP_GROWING_PERCENT);
  if (options.config.TRANSPORT === 'local') {
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(options.module, {
      strategy: new BusServer(LocalBus.forProcess(), options.service),
      bufferLogs: true,
    });
    app.useLogger(app.get(Logger));
    app.useGlobalFilters(new PassThroughRpcFilter());
    // No signal hooks here: the embedded host stops its modules in order on SIGINT/SIGTERM (one
    // hook per module would close each of them twice, and all at once).
    await app.listen();
    return { app, close: () => app.close() };
  }
  const app: INestApplication = await NestFactory.create(options.module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new PassThroughRpcFilter(app.getHttpAdapter()));
  app.enableShutdownHooks();
  const bus = app.get<MessageBus>(MESSAGE_BUS);
  // A hybrid app's microservice takes the global filter only when it inherits the app's config.
  app.connectMicroservice<MicroserviceOptions>(
    { strategy: new BusServer(bus, options.service) },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(options.healthPort ?? options.config.HEALTH_PORT ?? 0, '0.0.0.0');
  return { app, close: () => app.close() };
}
