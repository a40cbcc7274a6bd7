export * from './bounded-pool';
