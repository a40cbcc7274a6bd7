export * from './entities';
export * from './repositories';
export * from './data-source';
export { persistenceMigrations } from './migrations';
export * from './nest/persistence.module';
