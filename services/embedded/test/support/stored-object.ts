import { join } from 'node:path';
import { LocalObjectStore } from '@lookalike/object-store';

/** An object's bytes as the stack's local store keeps them under `<dataDir>/objects`. */
export function readStoredObject(dataDir: string, key: string): Promise<Buffer> {
  const store = new LocalObjectStore({
    dir: join(dataDir, 'objects'),
    // Only reads are made: no URL is signed.
    baseUrl: 'http://127.0.0.1/api/objects',
    signingKey: 'read-only-test-store-key-0123456789abcdef',
  });
  return store.getBuffer(key, { maxBytes: 64 * 2 ** 20 });
}
