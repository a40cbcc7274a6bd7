import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { join, resolve } from 'node:path';
import { createVectorStore, type VectorStoreOptions } from '../vector-store.factory';
import { DEFAULT_COLLECTION, type QuantizationSpec, type VectorStore } from '../vector-store.port';

/** The part of a service's validated environment this module reads. */
export interface VectorStoreModuleConfig {
  VECTOR_STORE: 'hnsw' | 'lancedb' | 'qdrant' | 'memory';
  /** LanceDB keeps its tables in `<LOOKALIKE_DATA_DIR>/lancedb` (the HNSW store's durable copy too). */
  LOOKALIKE_DATA_DIR: string;
  QDRANT_URL?: string;
  QDRANT_API_KEY?: string;
  QDRANT_COLLECTION?: string;
  ENABLE_QUANTIZATION?: boolean;
  QUANTIZATION?: 'scalar' | 'product' | 'binary';
}

export const VECTOR_STORE = 'LOOKALIKE_VECTOR_STORE';
const VECTOR_STORE_LEASE = 'LOOKALIKE_VECTOR_STORE_LEASE';

export interface VectorStoreLease {
  key: string;
  store: VectorStore;
  release(): Promise<void>;
}

interface Shared {
  refs: number;
  store: VectorStore;
}

// One client per index per process: LanceDB tables must not be written by two connections of
// the same process at once, and the embedded mode hosts several service modules in one process.
const shared = new Map<string, Shared>();

export function vectorStoreOptionsFor(config: VectorStoreModuleConfig): {
  key: string;
  options: VectorStoreOptions;
} {
  const collection = config.QDRANT_COLLECTION ?? DEFAULT_COLLECTION;
  const quantization: QuantizationSpec = config.ENABLE_QUANTIZATION
    ? { kind: config.QUANTIZATION ?? 'scalar' }
    : { kind: 'none' };
  if (config.VECTOR_STORE === 'qdrant') {
    if (!config.QDRANT_URL) throw new Error('QDRANT_URL is required when VECTOR_STORE=qdrant');
    return {
      key: `qdrant:${config.QDRANT_URL}/${collection}`,
      options: {
        kind: 'qdrant',
        url: config.QDRANT_URL,
        apiKey: config.QDRANT_API_KEY,
        collection,
        quantization,
      },
    };
  }
  if (config.VECTOR_STORE === 'memory') {
    return {
      key: `memory:${resolve(config.LOOKALIKE_DATA_DIR)}/${collection}`,
      options: { kind: 'memory', collection },
    };
  }
  const dir = join(resolve(config.LOOKALIKE_DATA_DIR), 'lancedb');
  if (config.VECTOR_STORE === 'hnsw') {
    return { key: `hnsw:${dir}/${collection}`, options: { kind: 'hnsw', dir, collection } };
  }
  return { key: `lancedb:${dir}/${collection}`, options: { kind: 'lancedb', dir, collection } };
}

/** Creates (or joins) the process-wide store for this config; the last release closes it. */
export function acquireVectorStore(config: VectorStoreModuleConfig): VectorStoreLease {
  const { key, options } = vectorStoreOptionsFor(config);
  let entry = shared.get(key);
  if (!entry) {
    entry = { refs: 0, store: createVectorStore(options) };
    shared.set(key, entry);
  }
  entry.refs += 1;
  const held = entry;
  let released = false;
  return {
    key,
    store: held.store,
    release: async () => {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs === 0 && shared.get(key) === held) {
        shared.delete(key);
        await held.store.close();
      }
    },
  };
}

/** The vector index for a service module, token VECTOR_STORE, shared per index within a process. */
@Module({})
export class VectorStoreModule implements OnApplicationShutdown {
  constructor(@Inject(VECTOR_STORE_LEASE) private readonly lease: VectorStoreLease) {}

  static forRoot(config: VectorStoreModuleConfig): DynamicModule {
    return {
      module: VectorStoreModule,
      providers: [
        { provide: VECTOR_STORE_LEASE, useFactory: () => acquireVectorStore(config) },
        {
          provide: VECTOR_STORE,
          inject: [VECTOR_STORE_LEASE],
          useFactory: (lease: VectorStoreLease) => lease.store,
        },
      ],
      exports: [VECTOR_STORE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lease.release();
  }
}
