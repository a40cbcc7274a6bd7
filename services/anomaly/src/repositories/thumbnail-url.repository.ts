import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import { derivedObjectKey, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import type { AnomalyConfig } from '../anomaly.config';

/** Signed thumbnail URLs for the review queue (the key ingest writes thumbnails under). */
@Injectable()
export class ThumbnailUrlRepository {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
  ) {}

  async thumbnailFor(key: string): Promise<string> {
    if (!key) return '';
    return this.store.presignDownload({
      key: derivedObjectKey(key, 'thumb256', 'webp'),
      expiresInSeconds: this.config.ANOMALY_URL_TTL_SECONDS,
    });
  }
}
