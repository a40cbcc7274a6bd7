export * from './entities';
export * from './repositories';
export * from './data-source';
export { EmbeddedPostgres } from './embedded-postgres';
export { persistenceMigrations } from './migrations';
export * from './nest/persistence.module';
