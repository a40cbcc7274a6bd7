export { startEmbedding } from './main';
export { EmbeddingModule } from './embedding.module';
export { embeddingEnvSchema, EmbeddingConfig } from './embedding.config';
export { EmbeddingService } from './services/embedding.service';
