import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HnswVectorStore, type HnswIndexPolicy } from '../src';
import { describeVectorStoreContract } from './vector-store.contract';

function harness(index: Partial<HnswIndexPolicy>) {
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lookalike-hnsw-'));
    let current = new HnswVectorStore({ dir, index });
    return {
      store: current,
      reopen: async () => {
        await current.close();
        current = new HnswVectorStore({ dir, index });
        return current;
      },
      cleanup: async () => {
        await current.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}

// The defaults: the contract's small tenants are scanned exactly.
describeVectorStoreContract('HNSW (exact below the thresholds)', harness({}));
// Every tenant gets a graph from its first point and every query walks it, so the contract
// checks the graph path's semantics (filters, ties, paging, neighbours) too.
describeVectorStoreContract(
  'HNSW (graph from the first point)',
  harness({ graphFromRows: 1, exactBelowRows: 0 }),
);
