export { startEmbedding } from './main';
export { EmbeddingModule } from './embedding.module';
export { embeddingEnvSchema, EmbeddingConfig } from './embedding.config';
export { EmbeddingService } from './services/embedding.service';
export { loadEmbeddingModels, type EmbeddingModels, type EmbeddingModelsOptions } from './model/model-loader';
export { inspectImage as inspectModelInput } from './preprocess/image-decode';
