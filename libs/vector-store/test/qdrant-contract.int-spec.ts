import { randomUUID } from 'node:crypto';
import { QdrantVectorStore } from '../src';
import { describeVectorStoreContract } from './vector-store.contract';

// Qdrant cannot run on the development machines; this suite runs wherever QDRANT_URL points at one.
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY;

describeVectorStoreContract(
  'Qdrant (live)',
  async () => {
    const collection = `contract_${randomUUID().replace(/-/g, '')}`;
    const open = () => new QdrantVectorStore({ url: url!, apiKey, collection, timeoutMs: 30_000 });
    let current = open();
    return {
      store: current,
      reopen: async () => {
        await current.close();
        current = open();
        return current;
      },
      cleanup: async () => {
        await fetch(`${url!.replace(/\/$/, '')}/collections/${collection}`, {
          method: 'DELETE',
          headers: apiKey ? { 'api-key': apiKey } : {},
        });
      },
    };
  },
  { skip: url ? undefined : 'QDRANT_URL is not set, so there is no Qdrant server to run against' },
);
