import { DynamicModule, Module } from '@nestjs/common';
import { JobsModule, ServiceCoreModule } from '@lookalike/messaging';
import { LocalFeaturesModule } from '@lookalike/local-features';
import { ObjectStoreModule } from '@lookalike/object-store';
import { databaseReadiness, JobRepository, PersistenceModule } from '@lookalike/persistence';
import { VectorStoreModule } from '@lookalike/vector-store';
import { IngestController } from './controllers/ingest.controller';
import type { IngestConfig } from './ingest.config';
import { EmbeddingRepository } from './repositories/embedding.repository';
import { AnalysisWorkers } from './services/analysis-workers';
import { QualityLoopRepository } from './repositories/quality-loop.repository';
import { ReconciliationRepository } from './repositories/reconciliation.repository';
import { SampleImagesRepository } from './repositories/sample-images.repository';
import { BatchIngestService } from './services/batch-ingest.service';
import { ImagePipelineService } from './services/image-pipeline.service';
import { ImagesService } from './services/images.service';
import { IngestOutcomesService } from './services/ingest-outcomes.service';
import { IngestService } from './services/ingest.service';
import { QualityLoopService } from './services/quality-loop.service';
import { ReconciliationService } from './services/reconciliation.service';
import { SampleImagesService } from './services/sample-images.service';
import { VideoIngestService } from './services/video-ingest.service';

@Module({})
export class IngestModule {
  static forRoot(config: IngestConfig): DynamicModule {
    const stores = [
      PersistenceModule.forRoot(config),
      VectorStoreModule.forRoot(config),
      ObjectStoreModule.forRoot(config),
      LocalFeaturesModule.forRoot(config),
    ];
    return {
      module: IngestModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'ingest', config, readiness: databaseReadiness(config) }),
        ...stores,
        JobsModule.forRoot({
          service: 'ingest',
          config,
          store: { imports: [PersistenceModule.forRoot(config)], token: JobRepository },
        }),
      ],
      controllers: [IngestController],
      providers: [
        AnalysisWorkers,
        EmbeddingRepository,
        QualityLoopRepository,
        QualityLoopService,
        ReconciliationRepository,
        ImagePipelineService,
        IngestService,
        IngestOutcomesService,
        ImagesService,
        BatchIngestService,
        SampleImagesRepository,
        SampleImagesService,
        ReconciliationService,
        VideoIngestService,
      ],
    };
  }
}
