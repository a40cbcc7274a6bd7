import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { type ImagePayload } from '@lookalike/contracts';
import { assertKeyInTenant, derivedObjectKey, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { APP_CONFIG } from '@lookalike/config';
import { originalServesAsPreview } from '@lookalike/imaging';
import type { SearchConfig } from '../search.config';

export interface HitUrls {
  previewUrl: string;
  thumbnailUrl: string;
}

/** Signed hit URLs kept for reuse (two per image: preview and thumbnail). */
const URL_CACHE_ENTRIES = 20_000;

/**
 * Signed URLs for hits and the staged query images the gateway leaves in the object store.
 * Thumbnails sit beside the original (`derivedObjectKey(key, 'thumb256' | 'thumb1024', 'webp')`,
 * the key ingest writes them under).
 *
 * A hit's URL is reused while at least half of SEARCH_URL_TTL_SECONDS is left on it, so an image
 * that comes back in many answers keeps one URL (the browser's cache holds its thumbnail) and
 * is signed once per half TTL instead of once per answer. Every URL handed out is valid for at
 * least TTL/2 more seconds.
 */
@Injectable()
export class ImageUrlRepository {
  private readonly signed = new LRUCache<string, { url: string; reuseUntilMs: number }>({
    max: URL_CACHE_ENTRIES,
  });

  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(APP_CONFIG) private readonly config: SearchConfig,
  ) {}

  async urlsFor(payload: ImagePayload): Promise<HitUrls> {
    if (!payload.key) return { previewUrl: '', thumbnailUrl: '' };
    // A small browser-ready original is its own preview (ingest made no 1024 px thumbnail of it).
    const previewKey = originalServesAsPreview(payload)
      ? payload.key
      : derivedObjectKey(payload.key, 'thumb1024', 'webp');
    const [previewUrl, thumbnailUrl] = await Promise.all([
      this.downloadUrl(previewKey),
      this.downloadUrl(derivedObjectKey(payload.key, 'thumb256', 'webp')),
    ]);
    return { previewUrl, thumbnailUrl };
  }

  private async downloadUrl(key: string): Promise<string> {
    const now = Date.now();
    const cached = this.signed.get(key);
    if (cached && cached.reuseUntilMs > now) return cached.url;
    const expiresInSeconds = this.config.SEARCH_URL_TTL_SECONDS;
    const url = await this.store.presignDownload({ key, expiresInSeconds });
    this.signed.set(key, { url, reuseUntilMs: now + (expiresInSeconds * 1000) / 2 });
    return url;
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
