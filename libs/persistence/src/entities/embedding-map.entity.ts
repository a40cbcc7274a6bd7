import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from './column-types';

/** A computed point of the map: the image and its place (0..1 on both axes). */
export interface MapPoint {
  imageId: string;
  x: number;
  y: number;
  anomaly: number;
  /** The image's first tag, '' without tags. */
  tag: string;
}

/**
 * A tenant's embedding map (issue 17, docs/console.md "Overview"): the last 2-D projection of its
 * vectors, computed by the `embedding-map` job and kept until the next one replaces it.
 */
@Entity({ name: 'embedding_maps' })
export class EmbeddingMapEntity {
  @PrimaryColumn({
    name: 'owner_user_id',
    type: 'varchar',
    length: 128,
    primaryKeyConstraintName: 'pk_embedding_maps',
  })
  ownerUserId!: string;

  @Column({ name: 'method', type: 'varchar', length: 16 })
  method!: string;

  @Column({ name: 'model_name', type: 'varchar', length: 128 })
  modelName!: string;

  /** Points of the tenant when the map was computed (the map holds a sample when more). */
  @Column({ name: 'total_points', type: 'integer' })
  totalPoints!: number;

  @Column({ name: 'points', type: 'jsonb' })
  points!: MapPoint[];

  @Column({ name: 'job_id', type: 'char', length: 26, nullable: true })
  jobId!: string | null;

  @Column({ name: 'computed_at', ...TIMESTAMP, default: () => 'now()' })
  computedAt!: Date;
}
