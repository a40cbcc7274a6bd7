import { ErrorCode, LookalikeError, newUlid } from '@lookalike/contracts';
import { In, type DataSource, type Repository } from 'typeorm';
import { ImageEntity, type ImageSource, VideoEntity, type VideoStatus } from '../entities';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page-cursor';
import { requireIds } from './required-ids';
import { hydrateRow, sqlRows } from './sql-rows';

/** A probed video about to be stored (docs/video.md). */
export interface NewVideo {
  videoId?: string;
  ownerUserId: string;
  sha256: string;
  bucket: string;
  key: string;
  sizeBytes: number;
  source: ImageSource;
  tags?: string[];
  container: string;
  codec: string;
  durationMs: number;
  fps: number;
  width: number;
  height: number;
  frameCount: number;
  hasAudio: boolean;
}

export type VideoPatch = Partial<
  Pick<VideoEntity, 'shots' | 'framesTotal' | 'framesDone' | 'posterImageId' | 'jobId' | 'error' | 'tags'>
>;

export type InsertVideoResult =
  { status: 'created'; video: VideoEntity } | { status: 'duplicate'; video: VideoEntity };

/**
 * States a video may move to `to` from: stored -> extracting -> indexed, replays landing on the
 * same state accepted, a failed video may be extracted again, and nothing leaves `deleting`.
 */
export function allowedVideoSources(to: VideoStatus): VideoStatus[] {
  switch (to) {
    case 'stored':
      return [];
    case 'extracting':
      return ['stored', 'extracting', 'failed'];
    case 'indexed':
      return ['extracting', 'indexed'];
    case 'failed':
      return ['stored', 'extracting', 'failed'];
    case 'deleting':
      return ['stored', 'extracting', 'indexed', 'failed', 'deleting'];
  }
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export class VideoRepository {
  private readonly repo: Repository<VideoEntity>;
  private readonly images: Repository<ImageEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(VideoEntity);
    this.images = dataSource.getRepository(ImageEntity);
  }

  /** Inserts the video unless the owner already has these bytes (the unique constraint decides). */
  async insertIfAbsent(input: NewVideo): Promise<InsertVideoResult> {
    if (!SHA256_PATTERN.test(input.sha256))
      throw LookalikeError.invalid('sha256 must be 64 lowercase hex digits');
    const { videoId, tags, ...fields } = input;
    const inserted = await this.repo
      .createQueryBuilder()
      .insert()
      .into(VideoEntity)
      .values({ ...fields, videoId: videoId ?? newUlid(), tags: tags ?? [], status: 'stored' })
      .orIgnore()
      .returning('*')
      .execute();
    const [row] = inserted.raw as Record<string, unknown>[];
    if (row) return { status: 'created', video: hydrateRow(this.repo, row) };
    const existing = await this.repo.findOneBy({ ownerUserId: input.ownerUserId, sha256: input.sha256 });
    if (!existing)
      throw new LookalikeError(ErrorCode.Conflict, 'video was inserted and deleted concurrently; retry');
    return { status: 'duplicate', video: existing };
  }

  findById(ownerUserId: string, videoId: string): Promise<VideoEntity | null> {
    requireIds({ ownerUserId, videoId });
    return this.repo.findOneBy({ ownerUserId, videoId });
  }

  /** The owner's videos among these ids (any order; unknown ids are left out). */
  async findByIds(ownerUserId: string, videoIds: readonly string[]): Promise<VideoEntity[]> {
    requireIds({ ownerUserId });
    if (videoIds.length === 0) return [];
    return this.repo.find({ where: { ownerUserId, videoId: In([...videoIds]) } });
  }

  /** The owner's videos, newest first. */
  async list(ownerUserId: string, query: PageRequest = {}): Promise<Page<VideoEntity>> {
    const limit = pageSize(query.limit);
    const qb = this.repo
      .createQueryBuilder('v')
      .where('v.owner_user_id = :ownerUserId', { ownerUserId })
      .orderBy('v.created_at', 'DESC')
      .addOrderBy('v.video_id', 'DESC')
      .limit(limit + 1);
    if (query.cursor)
      qb.andWhere('(v.created_at, v.video_id) < (:createdAt, :id)', decodeCursor(query.cursor));
    return toPage(await qb.getMany(), limit, (row) => ({ createdAt: row.createdAt, id: row.videoId }));
  }

  /** Moves a video to `to` (allowedVideoSources) with the patch, in one statement. */
  async transition(
    ownerUserId: string,
    videoId: string,
    to: VideoStatus,
    patch: VideoPatch = {},
  ): Promise<VideoEntity> {
    requireIds({ ownerUserId, videoId });
    const result = await this.repo
      .createQueryBuilder()
      .update(VideoEntity)
      .set({ ...patch, status: to, updatedAt: () => 'now()' })
      .where('owner_user_id = :ownerUserId AND video_id = :videoId AND status IN (:...from)', {
        ownerUserId,
        videoId,
        from: allowedVideoSources(to).length > 0 ? allowedVideoSources(to) : ['-'],
      })
      .returning('*')
      .execute();
    const [row] = result.raw as Record<string, unknown>[];
    if (row) return hydrateRow(this.repo, row);
    const current = await this.findById(ownerUserId, videoId);
    if (!current) throw LookalikeError.notFound('video', videoId);
    throw new LookalikeError(
      ErrorCode.Conflict,
      `video ${videoId} cannot move from ${current.status} to ${to}`,
      {
        details: { status: current.status, to },
      },
    );
  }

  /** Applies the patch (progress, shots, poster) without a state change. */
  async update(ownerUserId: string, videoId: string, patch: VideoPatch): Promise<VideoEntity> {
    requireIds({ ownerUserId, videoId });
    const result = await this.repo
      .createQueryBuilder()
      .update(VideoEntity)
      .set({ ...patch, updatedAt: () => 'now()' })
      .where('owner_user_id = :ownerUserId AND video_id = :videoId', { ownerUserId, videoId })
      .returning('*')
      .execute();
    const [row] = result.raw as Record<string, unknown>[];
    if (!row) throw LookalikeError.notFound('video', videoId);
    return hydrateRow(this.repo, row);
  }

  /** The owner's videos left in `deleting` (a deletion cut off part-way), oldest change first. */
  deleting(ownerUserId: string): Promise<VideoEntity[]> {
    requireIds({ ownerUserId });
    return this.repo.find({ where: { ownerUserId, status: 'deleting' }, order: { updatedAt: 'ASC' } });
  }

  /** Object keys of the owner's videos (reconciliation: they are not orphans). */
  async keys(ownerUserId: string): Promise<string[]> {
    requireIds({ ownerUserId });
    const rows = await this.repo.find({ select: { key: true }, where: { ownerUserId } });
    return rows.map((row) => row.key);
  }

  /** The video's frames (image rows carrying its id), in time order. */
  frames(ownerUserId: string, videoId: string): Promise<ImageEntity[]> {
    requireIds({ ownerUserId, videoId });
    return this.images.find({ where: { ownerUserId, videoId }, order: { tMs: 'ASC', imageId: 'ASC' } });
  }

  /** The frames of several videos in one read, in time order per video. */
  framesOf(ownerUserId: string, videoIds: readonly string[]): Promise<ImageEntity[]> {
    requireIds({ ownerUserId });
    if (videoIds.length === 0) return Promise.resolve([]);
    return this.images.find({
      where: { ownerUserId, videoId: In([...videoIds]) },
      order: { videoId: 'ASC', tMs: 'ASC', imageId: 'ASC' },
    });
  }

  /**
   * Marks every frame of the video `deleting` in one statement and returns them: a deletion cut
   * off part-way leaves rows that reconciliation purges.
   */
  async markFramesDeleting(ownerUserId: string, videoId: string): Promise<ImageEntity[]> {
    requireIds({ ownerUserId, videoId });
    const rows = await sqlRows<Record<string, unknown>>(
      this.images.manager.connection,
      `UPDATE images SET status = 'deleting', updated_at = now()
        WHERE owner_user_id = $1 AND video_id = $2
       RETURNING *`,
      [ownerUserId, videoId],
    );
    return rows.map((row) => hydrateRow(this.images, row));
  }

  /** Removes the video's row; true when it existed. Its frames are images and go the images' way. */
  async remove(ownerUserId: string, videoId: string): Promise<boolean> {
    requireIds({ ownerUserId, videoId });
    const result = await this.repo.delete({ ownerUserId, videoId });
    return (result.affected ?? 0) > 0;
  }
}
