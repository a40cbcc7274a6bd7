import { LocalObjectStore, type LocalObjectStoreOptions } from './local/local.adapter';
import type { ObjectStore } from './object-store.port';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3/s3.adapter';

export type ObjectStoreOptions =
  ({ kind: 'local' } & LocalObjectStoreOptions) | ({ kind: 's3' } & S3ObjectStoreOptions);

/** Builds the adapter named by configuration and makes sure its bucket or directory exists. */
export async function createObjectStore(options: ObjectStoreOptions): Promise<ObjectStore> {
  const store = options.kind === 'local' ? new LocalObjectStore(options) : new S3ObjectStore(options);
  await store.init();
  return store;
}
