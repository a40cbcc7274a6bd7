export { startDedup } from './main';
export { DedupModule } from './dedup.module';
export { dedupEnvSchema, DedupConfig } from './dedup.config';
