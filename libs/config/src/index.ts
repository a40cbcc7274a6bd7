export * from './load-config';
export * from './env-schemas';
export * from './config.module';
