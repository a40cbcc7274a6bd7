export * from './bounded-pool';
export * from './optional-addon';
