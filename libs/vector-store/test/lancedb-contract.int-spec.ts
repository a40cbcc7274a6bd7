import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceDbVectorStore } from '../src';
import { describeVectorStoreContract } from './vector-store.contract';

describeVectorStoreContract('LanceDB', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-lancedb-'));
  let current = new LanceDbVectorStore({ dir });
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = new LanceDbVectorStore({ dir });
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
