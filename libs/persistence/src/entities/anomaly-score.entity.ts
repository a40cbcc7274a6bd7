import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from './column-types';

/**
 * The anomaly scores of one image: each method's component (0..1, comparable across methods),
 * the raw distances they were scaled from, and the combination the review queue sorts by.
 */
@Entity({ name: 'anomaly_scores' })
@Index('idx_anomaly_scores_owner_combined', ['ownerUserId', 'combined'])
export class AnomalyScoreEntity {
  @PrimaryColumn({
    name: 'owner_user_id',
    type: 'varchar',
    length: 128,
    primaryKeyConstraintName: 'pk_anomaly_scores',
  })
  ownerUserId!: string;

  @PrimaryColumn({
    name: 'image_id',
    type: 'char',
    length: 26,
    primaryKeyConstraintName: 'pk_anomaly_scores',
  })
  imageId!: string;

  @Column({ name: 'dnn', type: 'double precision' })
  dnn!: number;

  @Column({ name: 'density', type: 'double precision' })
  density!: number;

  @Column({ name: 'ood', type: 'double precision' })
  ood!: number;

  @Column({ name: 'quality', type: 'double precision' })
  quality!: number;

  @Column({ name: 'combined', type: 'double precision' })
  combined!: number;

  /** Cosine distance to the nearest neighbour, mean distance to k neighbours, distance to the centroid. */
  @Column({ name: 'raw', type: 'jsonb', default: () => "'{}'" })
  raw!: Record<string, number>;

  @Column({ name: 'computed_at', ...TIMESTAMP, default: () => 'now()' })
  computedAt!: Date;
}
