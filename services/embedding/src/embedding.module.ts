import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ServiceCoreModule } from '@lookalike/messaging';
import { metricsRegistry } from '@lookalike/observability';
import { OBJECT_STORE, ObjectStore, ObjectStoreModule } from '@lookalike/object-store';
import { EmbeddingController } from './controllers/embedding.controller';
import type { EmbeddingConfig } from './embedding.config';
import { EmbeddingMetrics } from './metrics/embedding.metrics';
import { loadEmbeddingModels } from './model/model-loader';
import { ObjectImageSourceRepository } from './repositories/object-image-source.repository';
import { EmbeddingService } from './services/embedding.service';

let processMetrics: EmbeddingMetrics | undefined;

/** One set of embedding metrics per process, in the registry /metrics serves. */
function sharedMetrics(): EmbeddingMetrics {
  processMetrics ??= new EmbeddingMetrics(metricsRegistry);
  return processMetrics;
}

@Injectable()
class EmbeddingLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EmbeddingService) private readonly embedding: EmbeddingService) {}

  async onApplicationShutdown(): Promise<void> {
    await this.embedding.close();
  }
}

@Module({})
export class EmbeddingModule {
  static forRoot(config: EmbeddingConfig): DynamicModule {
    return {
      module: EmbeddingModule,
      imports: [
        ServiceCoreModule.forRoot({ service: 'embedding', config }),
        ObjectStoreModule.forRoot(config),
      ],
      controllers: [EmbeddingController],
      providers: [
        {
          provide: EmbeddingService,
          inject: [OBJECT_STORE],
          useFactory: async (store: ObjectStore) => {
            const models = await loadEmbeddingModels({
              modelDir: config.MODEL_DIR,
              device: config.MODEL_DEVICE,
              intraOpThreads: config.MODEL_INTRA_OP_THREADS,
              verifyHashes: config.MODEL_VERIFY_HASHES,
              mobilenetRuntime: config.MOBILENET_RUNTIME,
              logger: new Logger('EmbeddingModels'),
            });
            return new EmbeddingService(
              models,
              new ObjectImageSourceRepository(store),
              {
                batchSize: config.BATCH_SIZE,
                maxWaitMs: config.BATCH_MAX_WAIT_MS,
                queueMax: config.EMBED_QUEUE_MAX,
                requestTimeoutMs: config.EMBED_REQUEST_TIMEOUT_MS,
              },
              sharedMetrics(),
            );
          },
        },
        EmbeddingLifecycle,
      ],
    };
  }
}
