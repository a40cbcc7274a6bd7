import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule, ServiceCoreModule } from '@lookalike/messaging';
import { ObjectStoreModule } from '@lookalike/object-store';
import { JobRepository, PersistenceModule } from '@lookalike/persistence';
import { VectorStoreModule } from '@lookalike/vector-store';
import type { AnomalyConfig } from './anomaly.config';
import { AnomalyController } from './controllers/anomaly.controller';
import { AnomalyStoreRepository } from './repositories/anomaly-store.repository';
import { CalibrationStoreRepository } from './repositories/calibration-store.repository';
import { ThumbnailUrlRepository } from './repositories/thumbnail-url.repository';
import { VectorIndexRepository } from './repositories/vector-index.repository';
import { AnomalyQueueService } from './services/anomaly-queue.service';
import { AnomalyScoringService } from './services/anomaly-scoring.service';
import { AnomalyService } from './services/anomaly.service';
import { AnomalyWeightsService } from './services/anomaly-weights.service';
import { ScoreWriterService } from './services/score-writer.service';

@Module({})
export class AnomalyModule {
  static forRoot(config: AnomalyConfig): DynamicModule {
    return {
      module: AnomalyModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'anomaly', config }),
        PersistenceModule.forRoot(config),
        VectorStoreModule.forRoot(config),
        ObjectStoreModule.forRoot(config),
        JobsModule.forRoot({
          service: 'anomaly',
          config,
          store: { imports: [PersistenceModule.forRoot(config)], token: JobRepository },
        }),
      ],
      controllers: [AnomalyController],
      providers: [
        AnomalyService,
        AnomalyScoringService,
        AnomalyQueueService,
        ScoreWriterService,
        AnomalyWeightsService,
        AnomalyStoreRepository,
        CalibrationStoreRepository,
        VectorIndexRepository,
        ThumbnailUrlRepository,
      ],
    };
  }
}
