import { DynamicModule, Module } from '@nestjs/common';
import { hostname } from 'node:os';
import {
  InProcessJobQueue,
  JetStreamJobQueue,
  JOB_QUEUE,
  JobRunner,
  MESSAGE_BUS,
  NatsBus,
  ServiceCoreModule,
  type JobQueue,
  type MessageBus,
} from '@lookalike/messaging';
import { ObjectStoreModule } from '@lookalike/object-store';
import { DATA_SOURCE, JobRepository, PersistenceModule } from '@lookalike/persistence';
import { VectorStoreModule } from '@lookalike/vector-store';
import type { DataSource } from 'typeorm';
import { IngestController } from './controllers/ingest.controller';
import type { IngestConfig } from './ingest.config';
import { EmbeddingRepository } from './repositories/embedding.repository';
import { QualityLoopRepository } from './repositories/quality-loop.repository';
import { ReconciliationRepository } from './repositories/reconciliation.repository';
import { BatchIngestService } from './services/batch-ingest.service';
import { ImagePipelineService } from './services/image-pipeline.service';
import { ImagesService } from './services/images.service';
import { JOB_RUNNER } from './services/ingest-jobs';
import { IngestService } from './services/ingest.service';
import { JobRunnerLifecycle } from './services/job-runner.lifecycle';
import { ReconciliationService } from './services/reconciliation.service';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    const stores = [
      PersistenceModule.forRoot(config),
      VectorStoreModule.forRoot(config),
      ObjectStoreModule.forRoot(config),
    ];
    return {
      module: IngestModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'ingest',
          config,
          readiness: {
            imports: [PersistenceModule.forRoot(config)],
            inject: [DATA_SOURCE],
            useFactory: (dataSource: DataSource) => [
              { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) },
            ],
          },
        }),
        ...stores,
      ],
      controllers: [IngestController],
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
          inject: [JOB_QUEUE, JobRepository],
          useFactory: (queue: JobQueue, jobs: JobRepository) =>
            new JobRunner(queue, jobs, {
              workerId: config.WORKER_ID ?? `ingest-${hostname()}-${process.pid}`,
              leaseSeconds: config.JOB_LEASE_SECONDS,
            }),
        },
        EmbeddingRepository,
        QualityLoopRepository,
        ReconciliationRepository,
        ImagePipelineService,
        IngestService,
        ImagesService,
        BatchIngestService,
        ReconciliationService,
        JobRunnerLifecycle,
      ],
    };
  }
}
