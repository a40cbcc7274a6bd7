import { Inject, Injectable } from '@nestjs/common';
import { type ImagePayload } from '@lookalike/contracts';
import { assertKeyInTenant, derivedObjectKey, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { APP_CONFIG } from '@lookalike/config';
import type { SearchConfig } from '../search.config';

export interface HitUrls {
  previewUrl: string;
  thumbnailUrl: string;
}

/**
 * Signed URLs for hits and the staged query images the gateway leaves in the object store.
 * Thumbnails sit beside the original (`derivedObjectKey(key, 'thumb256' | 'thumb1024', 'webp')`,
 * the key ingest writes them under).
 */
@Injectable()
export class ImageUrlRepository {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(APP_CONFIG) private readonly config: SearchConfig,
  ) {}

  async urlsFor(payload: ImagePayload): Promise<HitUrls> {
    if (!payload.key) return { previewUrl: '', thumbnailUrl: '' };
    const expiresInSeconds = this.config.SEARCH_URL_TTL_SECONDS;
    const [previewUrl, thumbnailUrl] = await Promise.all([
      this.store.presignDownload({
        key: derivedObjectKey(payload.key, 'thumb1024', 'webp'),
        expiresInSeconds,
      }),
      this.store.presignDownload({
        key: derivedObjectKey(payload.key, 'thumb256', 'webp'),
        expiresInSeconds,
      }),
    ]);
    return { previewUrl, thumbnailUrl };
  }

  get bucket(): string {
    return this.store.bucket;
  }

  /** A staged query image of this tenant (bytes, for the pHash gate). */
  readStaged(owner: string, key: string, maxBytes: number): Promise<Buffer> {
    assertKeyInTenant(owner, key);
    return this.store.getBuffer(key, { maxBytes });
  }

  checkStaged(owner: string, key: string): void {
    assertKeyInTenant(owner, key);
  }

  async deleteStaged(owner: string, key: string): Promise<void> {
    assertKeyInTenant(owner, key);
    await this.store.delete(key);
  }
}
