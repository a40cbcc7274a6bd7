export { startSearch } from './main';
export { SearchModule } from './search.module';
export { searchEnvSchema, SearchConfig } from './search.config';
