import { Inject, Injectable } from '@nestjs/common';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { LookalikeError } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import {
  LocalObjectStore,
  loadObjectSigningKey,
  objectsBaseUrl,
  type PutResult,
  type QueryInput,
  type SignedDownload,
} from '@lookalike/object-store';
import type { GatewayConfig } from '../gateway.config';

/**
 * The HTTP side of the local object store: its presigned URLs point here. Every request is
 * authorised by the URL's HMAC (made by the ingest service with the shared key), not by a token.
 * With an S3 store the clients talk to S3 directly and this route answers 404.
 */
@Injectable()
export class ObjectsService {
  private store?: Promise<LocalObjectStore>;

  constructor(@Inject(APP_CONFIG) private readonly config: GatewayConfig) {}

  async download(
    key: string,
    query: QueryInput,
    range?: (size: number) => { start: number; end: number } | null | undefined,
  ): Promise<SignedDownload> {
    return (await this.local(key)).openSignedDownload({ key, query, range });
  }

  async upload(request: {
    key: string;
    query: QueryInput;
    contentType?: string;
    contentLength?: number;
    body: Readable;
  }): Promise<PutResult> {
    return (await this.local(request.key)).acceptSignedUpload(request);
  }

  private local(key: string): Promise<LocalObjectStore> {
    if (this.config.OBJECT_STORE !== 'local') return Promise.reject(LookalikeError.notFound('object', key));
    this.store ??= (async () => {
      const store = new LocalObjectStore({
        dir: join(resolve(this.config.LOOKALIKE_DATA_DIR), 'objects'),
        baseUrl: objectsBaseUrl(this.config.PUBLIC_BASE_URL),
        signingKey: await loadObjectSigningKey(
          this.config.LOOKALIKE_DATA_DIR,
          this.config.OBJECT_SIGNING_KEY,
        ),
      });
      await store.init();
      return store;
    })();
    return this.store;
  }
}
