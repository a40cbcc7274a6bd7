import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { TIMESTAMP, oneOf, bigintToNumber } from './column-types';

export const IMAGE_STATUSES = ['stored', 'hashed', 'embedded', 'indexed', 'failed', 'deleting'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** Where an upload came from (what a caller's request may say). */
export const UPLOAD_SOURCES = ['upload', 'api', 'batch'] as const;
/** `video`: a kept frame of a stored video (docs/video.md), never a caller's. */
export const IMAGE_SOURCES = [...UPLOAD_SOURCES, 'video'] as const;
export type ImageSource = (typeof IMAGE_SOURCES)[number];

/** One stored image of one owner; the same bytes (sha256) are kept once per owner. */
@Entity({ name: 'images' })
@Unique('uq_images_owner_sha256', ['ownerUserId', 'sha256'])
@Index('idx_images_owner_created', ['ownerUserId', 'createdAt', 'imageId'])
@Index('idx_images_owner_status', ['ownerUserId', 'status'])
@Index('idx_images_owner_phash', ['ownerUserId', 'phash'])
@Index('idx_images_owner_video', ['ownerUserId', 'videoId', 'tMs'])
@Check('ck_images_status', oneOf('status', IMAGE_STATUSES))
@Check('ck_images_source', oneOf('source', IMAGE_SOURCES))
export class ImageEntity {
  @PrimaryColumn({ name: 'image_id', type: 'char', length: 26, primaryKeyConstraintName: 'pk_images' })
  imageId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'sha256', type: 'char', length: 64 })
  sha256!: string;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: ImageStatus;

  @Column({ name: 'bucket', type: 'varchar', length: 255 })
  bucket!: string;

  @Column({ name: 'object_key', type: 'varchar', length: 1024 })
  key!: string;

  @Column({ name: 'thumb_256_key', type: 'varchar', length: 1024, nullable: true })
  thumb256Key!: string | null;

  @Column({ name: 'thumb_1024_key', type: 'varchar', length: 1024, nullable: true })
  thumb1024Key!: string | null;

  @Column({ name: 'width', type: 'integer', nullable: true })
  width!: number | null;

  @Column({ name: 'height', type: 'integer', nullable: true })
  height!: number | null;

  @Column({ name: 'format', type: 'varchar', length: 16, nullable: true })
  format!: string | null;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintToNumber })
  sizeBytes!: number;

  @Column({ name: 'source', type: 'varchar', length: 16 })
  source!: ImageSource;

  @Column({ name: 'tags', type: 'text', array: true, default: () => "'{}'" })
  tags!: string[];

  @Column({ name: 'phash', type: 'char', length: 16, nullable: true })
  phash!: string | null;

  @Column({ name: 'quality_score', type: 'double precision', nullable: true })
  qualityScore!: number | null;

  @Column({ name: 'quality_flags', type: 'text', array: true, default: () => "'{}'" })
  qualityFlags!: string[];

  @Column({ name: 'quality_metrics', type: 'jsonb', nullable: true })
  qualityMetrics!: Record<string, number> | null;

  @Column({ name: 'nsfw_score', type: 'double precision', nullable: true })
  nsfwScore!: number | null;

  @Column({ name: 'anomaly_score', type: 'double precision', nullable: true })
  anomalyScore!: number | null;

  @Column({ name: 'model_name', type: 'varchar', length: 64, nullable: true })
  modelName!: string | null;

  @Column({ name: 'model_version', type: 'varchar', length: 64, nullable: true })
  modelVersion!: string | null;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  /** A frame of a video (docs/video.md): its video, frame index, time and shot; null otherwise. */
  @Column({ name: 'video_id', type: 'char', length: 26, nullable: true })
  videoId!: string | null;

  @Column({ name: 'frame_index', type: 'integer', nullable: true })
  frameIndex!: number | null;

  @Column({ name: 't_ms', type: 'integer', nullable: true })
  tMs!: number | null;

  @Column({ name: 'shot_id', type: 'integer', nullable: true })
  shotId!: number | null;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', ...TIMESTAMP, default: () => 'now()' })
  updatedAt!: Date;
}
