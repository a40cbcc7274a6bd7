import { ErrorCode, LookalikeError, newUlid } from '@lookalike/contracts';
import type { DataSource, Repository } from 'typeorm';
import { ImageEntity, type ImageSource, type ImageStatus } from '../entities';
import { requireIds } from './required-ids';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page-cursor';
import { hydrateRow } from './sql-rows';

export interface NewImage {
  imageId?: string;
  ownerUserId: string;
  sha256: string;
  bucket: string;
  key: string;
  sizeBytes: number;
  source: ImageSource;
  status?: ImageStatus;
  tags?: string[];
  width?: number | null;
  height?: number | null;
  format?: string | null;
  phash?: string | null;
  /** A frame of a stored video (docs/video.md). */
  frame?: { videoId: string; frameIndex: number; tMs: number; shotId: number };
  createdAt?: Date;
}

export type ImagePatch = Partial<
  Pick<
    ImageEntity,
    | 'thumb256Key'
    | 'thumb1024Key'
    | 'width'
    | 'height'
    | 'format'
    | 'sizeBytes'
    | 'tags'
    | 'phash'
    | 'qualityScore'
    | 'qualityFlags'
    | 'qualityMetrics'
    | 'nsfwScore'
    | 'anomalyScore'
    | 'modelName'
    | 'modelVersion'
    | 'error'
  >
>;

export type InsertImageResult =
  { status: 'created'; image: ImageEntity } | { status: 'duplicate'; image: ImageEntity };

export interface ImageListQuery extends PageRequest {
  status?: ImageStatus;
  /** Images carrying at least one of these tags. */
  tagsAny?: string[];
}

const PIPELINE: readonly ImageStatus[] = ['stored', 'hashed', 'embedded', 'indexed'];

/**
 * States an image may move to `to` from. The pipeline only moves forward (a replayed step that
 * lands on the same state is accepted, so replays are harmless), a failed image may re-enter it,
 * and nothing leaves `deleting`.
 */
export function allowedImageSources(to: ImageStatus): ImageStatus[] {
  if (to === 'deleting') return [...PIPELINE, 'failed', 'deleting'];
  if (to === 'failed') return [...PIPELINE, 'failed'];
  return [...PIPELINE.slice(0, PIPELINE.indexOf(to) + 1), 'failed'];
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export class ImageRepository {
  private readonly repo: Repository<ImageEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(ImageEntity);
  }

  /**
   * Inserts the image unless the owner already has these bytes. The unique (owner, sha256)
   * constraint decides, so concurrent callers with the same bytes get exactly one `created`.
   */
  async insertIfAbsent(input: NewImage): Promise<InsertImageResult> {
    if (!SHA256_PATTERN.test(input.sha256))
      throw LookalikeError.invalid('sha256 must be 64 lowercase hex digits');
    const row: Partial<ImageEntity> = {
      imageId: input.imageId ?? newUlid(),
      ownerUserId: input.ownerUserId,
      sha256: input.sha256,
      status: input.status ?? 'stored',
      bucket: input.bucket,
      key: input.key,
      sizeBytes: input.sizeBytes,
      source: input.source,
      tags: input.tags ?? [],
      width: input.width ?? null,
      height: input.height ?? null,
      format: input.format ?? null,
      phash: input.phash ?? null,
      videoId: input.frame?.videoId ?? null,
      frameIndex: input.frame?.frameIndex ?? null,
      tMs: input.frame?.tMs ?? null,
      shotId: input.frame?.shotId ?? null,
      ...(input.createdAt ? { createdAt: input.createdAt, updatedAt: input.createdAt } : {}),
    };
    // The duplicate's row may be deleted between our insert and our read; then try again.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const inserted = await this.repo
        .createQueryBuilder()
        .insert()
        .into(ImageEntity)
        .values(row)
        .orIgnore()
        .returning('*')
        .execute();
      const [created] = inserted.raw as Record<string, unknown>[];
      if (created) return { status: 'created', image: this.hydrate(created) };
      const existing = await this.findBySha256(input.ownerUserId, input.sha256);
      if (existing) return { status: 'duplicate', image: existing };
    }
    throw new LookalikeError(ErrorCode.Conflict, 'image was inserted and deleted concurrently; retry');
  }

  async findById(ownerUserId: string, imageId: string): Promise<ImageEntity | null> {
    requireIds({ ownerUserId, imageId });
    return this.repo.findOneBy({ ownerUserId, imageId });
  }

  async findBySha256(ownerUserId: string, sha256: string): Promise<ImageEntity | null> {
    requireIds({ ownerUserId, sha256 });
    return this.repo.findOneBy({ ownerUserId, sha256 });
  }

  async findByIds(ownerUserId: string, imageIds: string[]): Promise<ImageEntity[]> {
    if (imageIds.length === 0) return [];
    return this.repo
      .createQueryBuilder('i')
      .where('i.owner_user_id = :ownerUserId AND i.image_id = ANY(:imageIds)', { ownerUserId, imageIds })
      .getMany();
  }

  /** The owner's images, newest first, by keyset pagination over (created_at, image_id). */
  async list(ownerUserId: string, query: ImageListQuery = {}): Promise<Page<ImageEntity>> {
    const limit = pageSize(query.limit);
    const qb = this.repo
      .createQueryBuilder('i')
      .where('i.owner_user_id = :ownerUserId', { ownerUserId })
      .orderBy('i.created_at', 'DESC')
      .addOrderBy('i.image_id', 'DESC')
      .limit(limit + 1);
    if (query.cursor) {
      const position = decodeCursor(query.cursor);
      qb.andWhere('(i.created_at, i.image_id) < (:createdAt, :id)', position);
    }
    if (query.status) qb.andWhere('i.status = :status', { status: query.status });
    if (query.tagsAny?.length) qb.andWhere('i.tags && :tagsAny::text[]', { tagsAny: query.tagsAny });
    const rows = await qb.getMany();
    return toPage(rows, limit, (row) => ({ createdAt: row.createdAt, id: row.imageId }));
  }

  /**
   * Moves an image to `to` (see allowedImageSources) and applies the patch in the same statement.
   * Throws not_found for an unknown image and conflict when its current state forbids the move.
   */
  async transition(
    ownerUserId: string,
    imageId: string,
    to: ImageStatus,
    patch: ImagePatch = {},
  ): Promise<ImageEntity> {
    const from = allowedImageSources(to);
    const result = await this.repo
      .createQueryBuilder()
      .update(ImageEntity)
      .set({ ...patch, status: to, updatedAt: () => 'now()' })
      .where('owner_user_id = :ownerUserId AND image_id = :imageId AND status IN (:...from)', {
        ownerUserId,
        imageId,
        from,
      })
      .returning('*')
      .execute();
    const [row] = result.raw as Record<string, unknown>[];
    if (!row) {
      const current = await this.findById(ownerUserId, imageId);
      if (!current) throw LookalikeError.notFound('image', imageId);
      throw new LookalikeError(
        ErrorCode.Conflict,
        `image ${imageId} cannot move from ${current.status} to ${to}`,
        {
          details: { status: current.status, to },
        },
      );
    }
    return this.hydrate(row);
  }

  async update(ownerUserId: string, imageId: string, patch: ImagePatch): Promise<ImageEntity> {
    const result = await this.repo
      .createQueryBuilder()
      .update(ImageEntity)
      .set({ ...patch, updatedAt: () => 'now()' })
      .where('owner_user_id = :ownerUserId AND image_id = :imageId', { ownerUserId, imageId })
      .returning('*')
      .execute();
    const [row] = result.raw as Record<string, unknown>[];
    if (!row) throw LookalikeError.notFound('image', imageId);
    return this.hydrate(row);
  }

  private hydrate(row: Record<string, unknown>): ImageEntity {
    return hydrateRow(this.repo, row);
  }

  /** Removes the row, and the pair verifications that hold the image; true when it existed. */
  async remove(ownerUserId: string, imageId: string): Promise<boolean> {
    requireIds({ ownerUserId, imageId });
    return this.dataSource.transaction(async (manager) => {
      const result = await manager.getRepository(ImageEntity).delete({ ownerUserId, imageId });
      await manager.query(
        `DELETE FROM pair_verifications WHERE owner_user_id = $1 AND (image_a = $2 OR image_b = $2)`,
        [ownerUserId, imageId],
      );
      return (result.affected ?? 0) > 0;
    });
  }

  /** Images of any owner left in one of these states since before `olderThan` (for the reconciler). */
  findStale(statuses: ImageStatus[], olderThan: Date, limit = 100): Promise<ImageEntity[]> {
    return this.repo
      .createQueryBuilder('i')
      .where('i.status IN (:...statuses) AND i.updated_at < :olderThan', { statuses, olderThan })
      .orderBy('i.updated_at', 'ASC')
      .limit(pageSize(limit))
      .getMany();
  }

  private async mustFind(ownerUserId: string, imageId: string): Promise<ImageEntity> {
    const image = await this.findById(ownerUserId, imageId);
    if (!image) throw LookalikeError.notFound('image', imageId);
    return image;
  }
}
