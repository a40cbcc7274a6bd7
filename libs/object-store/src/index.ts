export * from './object-store.port';
export * from './object-key';
export { createObjectStore, type ObjectStoreOptions } from './object-store.factory';
export { LocalObjectStore, type LocalObjectStoreOptions, type SignedDownload } from './local/local.adapter';
export {
  LocalUrlSigner,
  type LocalUrlSignerOptions,
  type QueryInput,
  type SignedGrant,
  type SignedMethod,
} from './local/local-url.signer';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3/s3.adapter';
export * from './nest/object-store.module';
