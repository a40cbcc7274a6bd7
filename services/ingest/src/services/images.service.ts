import { localFeaturesKey } from '@lookalike/local-features';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  LookalikeError,
  type ImageDeleteRequest,
  type ImageDeleteResponse,
  type ImageGetRequest,
  type ImageListRequest,
  type ImageListResponse,
  type ImageRecord,
  type ImageUpdateRequest,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import { ImageRepository, type ImageEntity } from '@lookalike/persistence';
import { fromImageFilter, pointIdFor, VECTOR_STORE, type VectorStore } from '@lookalike/vector-store';
import type { IngestConfig } from '../ingest.config';
import { payloadOf } from './image-payload';
import { normaliseTags, ownerOf } from './ingest.service';

export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Reads and edits of the caller's images; a foreign or unknown id is not_found alike. */
@Injectable()
export class ImagesService {
  private readonly logger = new Logger(ImagesService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @Inject(VECTOR_STORE) private readonly vectors: VectorStore,
    private readonly images: ImageRepository,
  ) {}

  async get(request: ImageGetRequest): Promise<ImageRecord> {
    return this.record(await this.mustFind(ownerOf(request.caller), request.imageId));
  }

  /**
   * Newest first. Without a filter beyond tags_any the SQL rows are listed (every status); any
   * other filter field uses the vector index's payload (indexed images only), where the whole
   * filter language of search applies.
   */
  async list(request: ImageListRequest): Promise<ImageListResponse> {
    const owner = ownerOf(request.caller);
    const limit = request.limit > 0 ? Math.min(request.limit, 500) : 50;
    const filter = fromImageFilter(request.filter);
    const { tagsAny, ...rest } = filter;
    const needsIndex = Object.values(rest).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined));
    if (!needsIndex) {
      const page = await this.images.list(owner, {
        limit,
        cursor: request.cursor || undefined,
        tagsAny: tagsAny ? [...tagsAny] : undefined,
      });
      return {
        images: await Promise.all(page.items.map((i) => this.record(i))),
        nextCursor: page.nextCursor ?? '',
      };
    }
    const page = await this.vectors.scroll(owner, {
      filter,
      limit,
      cursor: request.cursor || undefined,
      orderBy: { field: 'created_at', direction: 'desc' },
    });
    const rows = await this.images.findByIds(
      owner,
      page.points.map((p) => p.payload.imageId),
    );
    const byId = new Map(rows.map((r) => [r.imageId, r]));
    const records: ImageRecord[] = [];
    for (const point of page.points) {
      const row = byId.get(point.payload.imageId);
      if (row) records.push(await this.record(row));
    }
    return { images: records, nextCursor: page.nextCursor ?? '' };
  }

  async update(request: ImageUpdateRequest): Promise<ImageRecord> {
    const owner = ownerOf(request.caller);
    const image = await this.mustFind(owner, request.imageId);
    const tags = normaliseTags(request.replaceTags ? request.tags : [...image.tags, ...request.tags]);
    const updated = await this.images.update(owner, image.imageId, { tags });
    if (updated.status === 'indexed') {
      await this.vectors.setPayload(owner, [pointIdFor(owner, updated.sha256)], { tags });
    }
    return this.record(updated);
  }

  /** Marks the row `deleting` first, so a crash part-way is finished by reconciliation. */
  async remove(request: ImageDeleteRequest): Promise<ImageDeleteResponse> {
    const owner = ownerOf(request.caller);
    const image = await this.mustFind(owner, request.imageId);
    await this.images.transition(owner, image.imageId, 'deleting');
    await this.purge(image);
    return { imageId: image.imageId, deleted: true };
  }

  /**
   * Removes the vectors, the objects and then the row of an image; every step idempotent.
   * `vectorsGone`: the caller deleted the vectors already (a video's frames, in one call).
   */
  async purge(image: ImageEntity, options: { vectorsGone?: boolean } = {}): Promise<void> {
    const owner = image.ownerUserId;
    if (!options.vectorsGone) await this.vectors.delete(owner, [pointIdFor(owner, image.sha256)]);
    for (const key of [
      image.key,
      image.thumb256Key,
      image.thumb1024Key,
      image.key && localFeaturesKey(image.key),
    ]) {
      if (key) await this.objects.delete(key);
    }
    await this.images.remove(owner, image.imageId);
    if (!options.vectorsGone) this.logger.log({ imageId: image.imageId }, 'image deleted');
  }

  async record(image: ImageEntity): Promise<ImageRecord> {
    const expiresInSeconds = this.config.URL_EXPIRES_SECONDS;
    const [previewUrl, thumbnailUrl] = await Promise.all([
      this.objects.presignDownload({ key: image.key, expiresInSeconds }),
      image.thumb256Key
        ? this.objects.presignDownload({ key: image.thumb256Key, expiresInSeconds })
        : Promise.resolve(''),
    ]);
    return {
      payload: payloadOf(image),
      status: image.status,
      previewUrl,
      thumbnailUrl,
      updatedAt: image.updatedAt.toISOString(),
      ...(image.videoId
        ? {
            video: {
              videoId: image.videoId,
              frameIndex: image.frameIndex ?? 0,
              tMs: image.tMs ?? 0,
              shotId: image.shotId ?? 0,
            },
          }
        : {}),
    };
  }

  private async mustFind(owner: string, imageId: string): Promise<ImageEntity> {
    const image = ULID.test(imageId) ? await this.images.findById(owner, imageId) : null;
    if (!image || image.status === 'deleting') throw LookalikeError.notFound('image', imageId);
    return image;
  }
}
