import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule, ServiceCoreModule } from '@lookalike/messaging';
import { LocalFeaturesModule } from '@lookalike/local-features';
import { ObjectStoreModule } from '@lookalike/object-store';
import { JobRepository, PersistenceModule } from '@lookalike/persistence';
import { VectorStoreModule } from '@lookalike/vector-store';
import { DedupController } from './controllers/dedup.controller';
import type { DedupConfig } from './dedup.config';
import { CalibrationStoreRepository } from './repositories/calibration-store.repository';
import { DedupStoreRepository } from './repositories/dedup-store.repository';
import { ImageIndexRepository } from './repositories/image-index.repository';
import { IngestClientRepository } from './repositories/ingest-client.repository';
import { LocalFeaturesRepository } from './repositories/local-features.repository';
import { DecisionSignalsService } from './services/decision-signals.service';
import { DedupCalibrationService } from './services/dedup-calibration.service';
import { DedupJobsService } from './services/dedup-jobs.service';
import { DEDUP_SETTINGS, DedupSettings } from './services/dedup-settings';
import { DedupSweepService } from './services/dedup-sweep.service';
import { DedupService } from './services/dedup.service';
import { VideoDedupService } from './services/video-dedup.service';

@Module({})
export class DedupModule {
  static forRoot(config: DedupConfig): DynamicModule {
    return {
      module: DedupModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'dedup', config }),
        PersistenceModule.forRoot(config),
        VectorStoreModule.forRoot(config),
        ObjectStoreModule.forRoot(config),
        LocalFeaturesModule.forRoot(config),
        JobsModule.forRoot({
          service: 'dedup',
          config,
          store: { imports: [PersistenceModule.forRoot(config)], token: JobRepository },
        }),
      ],
      controllers: [DedupController],
      providers: [
        {
          provide: DEDUP_SETTINGS,
          useFactory: (applied: CalibrationStoreRepository) => new DedupSettings(config, applied),
          inject: [CalibrationStoreRepository],
        },
        DedupService,
        VideoDedupService,
        DedupSweepService,
        DedupJobsService,
        DecisionSignalsService,
        DedupCalibrationService,
        CalibrationStoreRepository,
        DedupStoreRepository,
        ImageIndexRepository,
        IngestClientRepository,
        LocalFeaturesRepository,
      ],
    };
  }
}
