export * from './request-context';
export * from './logging';
export * from './metrics';
export * from './tracing';
export * from './health';
export * from './metrics.controller';
export * from './tenant-labels';
export * from './heap-tuning';
