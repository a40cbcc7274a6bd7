export * from './vector-store.port';
export * from './filter/vector-filter';
export { pointIdFor } from './core/point-id';
export { ActiveModel } from './core/active-model';
export { compareHits, mergeMaxScore } from './core/hits';
export type { StoredPayload } from './core/payload.codec';
export { MemoryVectorStore, type MemoryVectorStoreOptions } from './memory/memory.adapter';
export {
  HnswVectorStore,
  DEFAULT_HNSW_POLICY,
  type HnswIndexPolicy,
  type HnswVectorStoreOptions,
} from './hnsw/hnsw.adapter';
export {
  LanceDbVectorStore,
  DEFAULT_LANCE_INDEX_POLICY,
  type LanceDbVectorStoreOptions,
  type LanceIndexPolicy,
  type LanceIndexType,
} from './lancedb/lancedb.adapter';
export * from './qdrant/qdrant.adapter';
export * from './qdrant/qdrant-requests';
export * from './qdrant/qdrant.transport';
export * from './vector-store.factory';
export * from './nest/vector-store.module';
