import { DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import { ObjectStoreModule } from '@lookalike/object-store';
import { VectorStoreModule } from '@lookalike/vector-store';
import { SearchController } from './controllers/search.controller';
import { EmbeddingRepository } from './repositories/embedding.repository';
import { ImageUrlRepository } from './repositories/image-url.repository';
import { VectorIndexRepository } from './repositories/vector-index.repository';
import type { SearchConfig } from './search.config';
import { ClusterService } from './services/cluster.service';
import { SearchService } from './services/search.service';

@Module({})
export class SearchModule {
  static forRoot(config: SearchConfig): DynamicModule {
    return {
      module: SearchModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'search', config }),
        VectorStoreModule.forRoot(config),
        ObjectStoreModule.forRoot(config),
      ],
      controllers: [SearchController],
      providers: [
        SearchService,
        ClusterService,
        VectorIndexRepository,
        EmbeddingRepository,
        ImageUrlRepository,
      ],
    };
  }
}
