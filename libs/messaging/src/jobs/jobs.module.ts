import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type InjectionToken,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { hostname } from 'node:os';
import type { JobsEnv, RuntimeEnv } from '@lookalike/config';
import { MESSAGE_BUS, type MessageBus } from '../message-bus.port';
import { NatsBus } from '../nats/nats.bus';
import { InProcessJobQueue } from './in-process-job.queue';
import { JetStreamJobQueue } from './jetstream-job.queue';
import { JOB_QUEUE, type JobQueue } from './job-queue.port';
import { JobRunner, type JobStore } from './job-runner';

/** The service's JobRunner: inject it to `register` a kind's work (in onModuleInit) and to `submit`. */
export const JOB_RUNNER = 'LOOKALIKE_JOB_RUNNER';

export interface JobsModuleOptions {
  /** Prefixes the default worker id. */
  service: string;
  config: RuntimeEnv & JobsEnv;
  /**
   * Where the job rows live: the modules to import and the token of their JobStore
   * (@lookalike/persistence's PersistenceModule and JobRepository); this library knows no SQL.
   */
  store: { imports: NonNullable<ModuleMetadata['imports']>; token: InjectionToken };
}

/** Starts consuming once every kind is registered (module init) and drains on shutdown. */
@Injectable()
export class JobRunnerLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(JobRunnerLifecycle.name);

  constructor(
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    this.logger.log({ queue: this.queue.kind }, 'job runner started');
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
    await this.queue.close();
  }
}

/**
 * Durable jobs for one service: JetStream over NATS, the in-process queue in the embedded mode,
 * rows in the shared `jobs` table (so GET /api/jobs/{id} sees every service's jobs).
 */
@Module({})
export class JobsModule {
  static forRoot(options: JobsModuleOptions): DynamicModule {
    const { config, service, store } = options;
    const logger = new Logger(`${service}-jobs`);
    return {
      module: JobsModule,
      imports: store.imports,
      providers: [
        {
          provide: JOB_QUEUE,
          inject: [MESSAGE_BUS],
          useFactory: (bus: MessageBus): JobQueue =>
            bus instanceof NatsBus
              ? new JetStreamJobQueue(bus.raw, {
                  subjectPrefix: config.NATS_SUBJECT_PREFIX,
                  ackWaitMs: config.JOB_ACK_WAIT_MS,
                })
              : new InProcessJobQueue(),
        },
        {
          provide: JOB_RUNNER,
          inject: [JOB_QUEUE, store.token],
          useFactory: (queue: JobQueue, jobs: JobStore) =>
            new JobRunner(queue, jobs, {
              workerId: config.WORKER_ID ?? `${service}-${hostname()}-${process.pid}`,
              leaseSeconds: config.JOB_LEASE_SECONDS,
              onError: (error, { kind, jobId }) =>
                logger.error({ kind, jobId, err: String(error) }, 'job failed'),
            }),
        },
        JobRunnerLifecycle,
      ],
      exports: [JOB_QUEUE, JOB_RUNNER],
    };
  }
}
