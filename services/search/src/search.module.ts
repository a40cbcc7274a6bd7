import { DynamicModule, Module } from '@nestjs/common';
import { LocalFeaturesModule } from '@lookalike/local-features';
import { JobsModule, ServiceCoreModule } from '@lookalike/messaging';
import { ObjectStoreModule } from '@lookalike/object-store';
import { databaseReadiness, JobRepository, PersistenceModule } from '@lookalike/persistence';
import { VectorStoreModule } from '@lookalike/vector-store';
import { SearchController } from './controllers/search.controller';
import { MapService } from './map/map.service';
import { EmbeddingRepository } from './repositories/embedding.repository';
import { ImageUrlRepository } from './repositories/image-url.repository';
import { LocalFeaturesRepository } from './repositories/local-features.repository';
import { VectorIndexRepository } from './repositories/vector-index.repository';
import { VideoFrameRepository } from './repositories/video-frame.repository';
import type { SearchConfig } from './search.config';
import { ClusterService } from './services/cluster.service';
import { SearchService } from './services/search.service';

@Module({})
export class SearchModule {
  static forRoot(config: SearchConfig): DynamicModule {
    // Search keeps only its cluster jobs' rows in SQL: a small pool per replica spares the server's
    // connections (the HPA runs up to ten).
    const database = { ...config, DATABASE_POOL_SIZE: 4 };
    return {
      module: SearchModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'search', config, readiness: databaseReadiness(database) }),
        VectorStoreModule.forRoot(config),
        ObjectStoreModule.forRoot(config),
        LocalFeaturesModule.forRoot(config),
        // Frames of videos among the hits: their video and time (VideoFrameRepository).
        PersistenceModule.forRoot(database),
        JobsModule.forRoot({
          service: 'search',
          config,
          store: { imports: [PersistenceModule.forRoot(database)], token: JobRepository },
        }),
      ],
      controllers: [SearchController],
      providers: [
        SearchService,
        ClusterService,
        MapService,
        VectorIndexRepository,
        EmbeddingRepository,
        ImageUrlRepository,
        LocalFeaturesRepository,
        VideoFrameRepository,
      ],
    };
  }
}
