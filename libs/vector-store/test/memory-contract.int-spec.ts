import { MemoryVectorStore } from '../src';
import { describeVectorStoreContract } from './vector-store.contract';

describeVectorStoreContract('in-memory exact', async () => ({ store: new MemoryVectorStore() }));
