export { startIngest } from './main';
export { IngestModule } from './ingest.module';
export { ingestEnvSchema, IngestConfig } from './ingest.config';
