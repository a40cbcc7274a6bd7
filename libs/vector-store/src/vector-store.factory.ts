import { LookalikeError } from '@lookalike/contracts';
import { HnswVectorStore, type HnswVectorStoreOptions } from './hnsw/hnsw.adapter';
import { LanceDbVectorStore, type LanceDbVectorStoreOptions } from './lancedb/lancedb.adapter';
import { MemoryVectorStore } from './memory/memory.adapter';
import { QdrantVectorStore, type QdrantVectorStoreOptions } from './qdrant/qdrant.adapter';
import type { VectorStore } from './vector-store.port';

export type VectorStoreOptions =
  | ({ kind: 'hnsw' } & HnswVectorStoreOptions)
  | ({ kind: 'lancedb' } & LanceDbVectorStoreOptions)
  | ({ kind: 'qdrant' } & QdrantVectorStoreOptions)
  | { kind: 'memory'; collection?: string };

/** Picks the adapter named by configuration (VECTOR_STORE); services depend on the port only. */
export function createVectorStore(options: VectorStoreOptions): VectorStore {
  switch (options.kind) {
    case 'hnsw':
      return new HnswVectorStore(options);
    case 'lancedb':
      return new LanceDbVectorStore(options);
    case 'qdrant':
      return new QdrantVectorStore(options);
    case 'memory':
      return new MemoryVectorStore(options);
    default:
      throw LookalikeError.invalid(`unknown vector store kind ${(options as { kind: string }).kind}`);
  }
}
