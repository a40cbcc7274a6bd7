import { DynamicModule, Module } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createObjectStore, type ObjectStoreOptions } from '../object-store.factory';
import type { ObjectStore } from '../object-store.port';

/** The part of a service's validated environment this module reads. */
export interface ObjectStoreModuleConfig {
  OBJECT_STORE: 'local' | 's3';
  /** The local store keeps objects in `<LOOKALIKE_DATA_DIR>/objects`. */
  LOOKALIKE_DATA_DIR: string;
  /** Where clients reach the gateway; local signed URLs are `<PUBLIC_BASE_URL>/api/objects/<key>`. */
  PUBLIC_BASE_URL?: string;
  /**
   * HMAC key of the local store's signed URLs, shared by the services that sign (ingest, search)
   * and the gateway that verifies. Absent: read from (or created in) the data directory.
   */
  OBJECT_SIGNING_KEY?: string;
  S3_ENDPOINT?: string;
  S3_REGION?: string;
  S3_BUCKET?: string;
  S3_ACCESS_KEY?: string;
  S3_SECRET_KEY?: string;
  /** Endpoint put into presigned S3 URLs when clients reach the store by another address. */
  S3_PUBLIC_ENDPOINT?: string;
}

export const OBJECT_STORE = 'LOOKALIKE_OBJECT_STORE';
export const DEFAULT_PUBLIC_BASE_URL = 'http://127.0.0.1:8080';
export const OBJECT_SIGNING_KEY_FILE = join('secrets', 'object-url.key');

/** Base of the gateway route that serves the local store's signed URLs. */
export function objectsBaseUrl(publicBaseUrl: string | undefined): string {
  return `${(publicBaseUrl ?? DEFAULT_PUBLIC_BASE_URL).replace(/\/+$/, '')}/api/objects`;
}

/**
 * The signing key of local object URLs: the configured one, else `<dataDir>/secrets/object-url.key`,
 * created (32 random bytes, hex, mode 0600) by whichever process starts first.
 */
export async function loadObjectSigningKey(dataDir: string, configured?: string): Promise<string> {
  if (configured) return configured;
  const file = join(resolve(dataDir), OBJECT_SIGNING_KEY_FILE);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(join(resolve(dataDir), 'secrets'), { recursive: true, mode: 0o700 });
  // Written whole under a private name, then linked into place: a process starting at the same
  // moment sees either no key file or the complete key, never an empty one.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  try {
    await link(draft, file);
  } catch (error) {
    // Another process created it first; use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  return (await readFile(file, 'utf8')).trim();
}

export async function objectStoreOptionsFor(config: ObjectStoreModuleConfig): Promise<ObjectStoreOptions> {
  if (config.OBJECT_STORE === 's3') {
    if (!config.S3_ENDPOINT || !config.S3_ACCESS_KEY || !config.S3_SECRET_KEY) {
      throw new Error('S3_ENDPOINT, S3_ACCESS_KEY and S3_SECRET_KEY are required when OBJECT_STORE=s3');
    }
    return {
      kind: 's3',
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION ?? 'us-east-1',
      bucket: config.S3_BUCKET ?? 'lookalike',
      accessKey: config.S3_ACCESS_KEY,
      secretKey: config.S3_SECRET_KEY,
      publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    };
  }
  return {
    kind: 'local',
    dir: join(resolve(config.LOOKALIKE_DATA_DIR), 'objects'),
    baseUrl: objectsBaseUrl(config.PUBLIC_BASE_URL),
    signingKey: await loadObjectSigningKey(config.LOOKALIKE_DATA_DIR, config.OBJECT_SIGNING_KEY),
  };
}

// Stores hold no connection to close (files, or HTTP per request), so one per config per process
// is enough to share and nothing needs releasing.
const shared = new Map<string, Promise<ObjectStore>>();

export function acquireObjectStore(config: ObjectStoreModuleConfig): Promise<ObjectStore> {
  const key =
    config.OBJECT_STORE === 's3'
      ? `s3:${config.S3_ENDPOINT}/${config.S3_BUCKET}`
      : `local:${resolve(config.LOOKALIKE_DATA_DIR)}|${objectsBaseUrl(config.PUBLIC_BASE_URL)}`;
  let store = shared.get(key);
  if (!store) {
    store = objectStoreOptionsFor(config).then(createObjectStore);
    shared.set(key, store);
    store.catch(() => shared.delete(key));
  }
  return store;
}

/** The object store for a service module, token OBJECT_STORE. */
@Module({})
export class ObjectStoreModule {
  static forRoot(config: ObjectStoreModuleConfig): DynamicModule {
    return {
      module: ObjectStoreModule,
      providers: [{ provide: OBJECT_STORE, useFactory: () => acquireObjectStore(config) }],
      exports: [OBJECT_STORE],
    };
  }
}
