import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { bigintToNumber, oneOf, TIMESTAMP } from './column-types';
import { IMAGE_SOURCES, type ImageSource } from './image.entity';

export const VIDEO_STATUSES = ['stored', 'extracting', 'indexed', 'failed', 'deleting'] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

/** A shot of a video: from its first kept frame to the next shot's (docs/video.md). */
export interface VideoShot {
  shotId: number;
  startMs: number;
  endMs: number;
  frameIndex: number;
}

/**
 * One stored video of one owner (the same bytes kept once per owner), with what the probe read and
 * the extraction's progress; its kept frames are `images` rows carrying its `video_id`.
 */
@Entity({ name: 'videos' })
@Unique('uq_videos_owner_sha256', ['ownerUserId', 'sha256'])
@Index('idx_videos_owner_created', ['ownerUserId', 'createdAt', 'videoId'])
@Check('ck_videos_status', oneOf('status', VIDEO_STATUSES))
@Check('ck_videos_source', oneOf('source', IMAGE_SOURCES))
export class VideoEntity {
  @PrimaryColumn({ name: 'video_id', type: 'char', length: 26, primaryKeyConstraintName: 'pk_videos' })
  videoId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'sha256', type: 'char', length: 64 })
  sha256!: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: VideoStatus;

  @Column({ name: 'bucket', type: 'varchar', length: 255 })
  bucket!: string;

  @Column({ name: 'object_key', type: 'varchar', length: 1024 })
  key!: string;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintToNumber })
  sizeBytes!: number;

  @Column({ name: 'source', type: 'varchar', length: 16 })
  source!: ImageSource;

  @Column({ name: 'tags', type: 'text', array: true, default: () => "'{}'" })
  tags!: string[];

  @Column({ name: 'container', type: 'varchar', length: 16 })
  container!: string;

  @Column({ name: 'codec', type: 'varchar', length: 32 })
  codec!: string;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'fps', type: 'double precision' })
  fps!: number;

  @Column({ name: 'width', type: 'integer' })
  width!: number;

  @Column({ name: 'height', type: 'integer' })
  height!: number;

  @Column({ name: 'frame_count', type: 'integer' })
  frameCount!: number;

  @Column({ name: 'has_audio', type: 'boolean' })
  hasAudio!: boolean;

  @Column({ name: 'shots', type: 'jsonb', default: () => "'[]'" })
  shots!: VideoShot[];

  @Column({ name: 'frames_total', type: 'integer', default: 0 })
  framesTotal!: number;

  @Column({ name: 'frames_done', type: 'integer', default: 0 })
  framesDone!: number;

  @Column({ name: 'poster_image_id', type: 'char', length: 26, nullable: true })
  posterImageId!: string | null;

  @Column({ name: 'job_id', type: 'char', length: 26, nullable: true })
  jobId!: string | null;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', ...TIMESTAMP, default: () => 'now()' })
  updatedAt!: Date;
}
