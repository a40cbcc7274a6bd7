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

/** `a/b%20c.jpg` (a URL path after the store's prefix) -> `a/b c.jpg`; the signer checks the key. */
export function objectKeyOfPath(path: string): string {
  try {
    return path.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw LookalikeError.invalid('the object key is not valid percent-encoding');
  }
}

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
    body: Readable | Buffer;
  }): Promise<PutResult> {
    return (await this.local(request.key)).acceptSignedUpload(request);
  }

  /**
   * The key and signed query of an upload URL this route serves (a local store's presigned PUT
   * under the public base URL), undefined for any other URL (S3, another host). The gateway's own
   * uploads (`ObjectUploader`) are handed to `upload` with them, in process: the same signature,
   * type and size checks as the route, without a request to itself through the HTTP stack.
   */
  ownUploadTarget(url: string): { key: string; query: URLSearchParams } | undefined {
    if (this.config.OBJECT_STORE !== 'local') return undefined;
    const base = `${objectsBaseUrl(this.config.PUBLIC_BASE_URL)}/`;
    if (!url.startsWith(base)) return undefined;
    const parsed = new URL(url);
    const rest = parsed.pathname.slice(new URL(base).pathname.length);
    return { key: objectKeyOfPath(rest), query: parsed.searchParams };
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
