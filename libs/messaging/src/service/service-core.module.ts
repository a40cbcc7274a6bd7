import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { APP_CONFIG, LookalikeConfigModule, RuntimeEnv } from '@lookalike/config';
import {
  createLoggerModule,
  HealthModule,
  MetricsController,
  prettyLogs,
  ReadinessCheck,
} from '@lookalike/observability';
import { MESSAGE_BUS, MessageBus } from '../message-bus.port';
import { MessagingModule } from '../messaging.module';

export interface ServiceCoreOptions<C extends RuntimeEnv> {
  service: string;
  config: C;
  /** Extra dependency probes for /readyz, next to the transport's. */
  readiness?: {
    imports?: ModuleMetadata['imports'];
    inject?: Provider[] | symbol[] | string[];
    useFactory: (...deps: never[]) => ReadinessCheck[];
  };
}

/**
 * What every service module starts with: its validated config, structured logs, the transport
 * and typed client, /healthz + /readyz and /metrics.
 */
@Module({})
export class ServiceCoreModule {
  static forRoot<C extends RuntimeEnv>(options: ServiceCoreOptions<C>): DynamicModule {
    const { config, service, readiness } = options;
    return {
      module: ServiceCoreModule,
      imports: [
        LookalikeConfigModule.forValue(config),
        // One process hosts every module in the embedded mode; its log lines carry `service` per request.
        createLoggerModule({
          service: config.TRANSPORT === 'local' ? 'lookalike' : service,
          level: config.LOG_LEVEL,
          pretty: prettyLogs(config, process.stdout.isTTY === true),
        }),
        MessagingModule.forRoot({
          service,
          transport: config.TRANSPORT,
          natsUrl: config.NATS_URL,
          natsSubjectPrefix: config.NATS_SUBJECT_PREFIX,
          timeoutOverrideMs: config.RPC_TIMEOUT_MS,
        }),
        PrometheusModule.register({
          path: '/metrics',
          defaultMetrics: { enabled: false },
          controller: MetricsController,
        }),
        HealthModule.forRoot({
          imports: readiness?.imports,
          inject: [MESSAGE_BUS, ...((readiness?.inject ?? []) as never[])],
          useFactory: ((bus: MessageBus, ...deps: never[]) => [
            { name: 'transport', check: () => bus.ping() },
            ...(readiness?.useFactory(...deps) ?? []),
          ]) as never,
        }),
      ],
      exports: [LookalikeConfigModule, MessagingModule],
    };
  }
}

export { APP_CONFIG };
