import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ServiceCoreModule } from '@lookalike/messaging';
import { PersistenceModule } from '@lookalike/persistence';
import { VectorStoreModule } from '@lookalike/vector-store';
import { DedupController } from './controllers/dedup.controller';
import type { DedupConfig } from './dedup.config';
import { DedupStoreRepository } from './repositories/dedup-store.repository';
import { ImageIndexRepository } from './repositories/image-index.repository';
import { IngestClientRepository } from './repositories/ingest-client.repository';
import { JobQueueRepository } from './repositories/job-queue.repository';
import { DedupJobWorker } from './services/dedup-job.worker';
import { DEDUP_SETTINGS, DedupSettings } from './services/dedup-settings';
import { DedupSweepService } from './services/dedup-sweep.service';
import { DedupService } from './services/dedup.service';

@Module({})
export class DedupModule {
  static forRoot(config: DedupConfig): DynamicModule {
    return {
      module: DedupModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'dedup', config }),
        PersistenceModule.forRoot(config),
        VectorStoreModule.forRoot(config),
        ScheduleModule.forRoot(),
      ],
      controllers: [DedupController],
      providers: [
        { provide: DEDUP_SETTINGS, useValue: new DedupSettings(config) },
        DedupService,
        DedupSweepService,
        DedupJobWorker,
        DedupStoreRepository,
        ImageIndexRepository,
        JobQueueRepository,
        IngestClientRepository,
      ],
    };
  }
}
