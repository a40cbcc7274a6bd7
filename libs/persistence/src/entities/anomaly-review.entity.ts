import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TIMESTAMP, oneOf } from './column-types';

export const ANOMALY_VERDICTS = ['ok', 'anomaly', 'duplicate'] as const;
export type AnomalyVerdict = (typeof ANOMALY_VERDICTS)[number];

/** A reviewer's verdict on an image from the anomaly queue; the latest review per image counts. */
@Entity({ name: 'anomaly_reviews' })
@Index('idx_anomaly_reviews_owner_image', ['ownerUserId', 'imageId', 'createdAt'])
@Check('ck_anomaly_reviews_verdict', oneOf('verdict', ANOMALY_VERDICTS))
export class AnomalyReviewEntity {
  @PrimaryColumn({
    name: 'review_id',
    type: 'char',
    length: 26,
    primaryKeyConstraintName: 'pk_anomaly_reviews',
  })
  reviewId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'image_id', type: 'char', length: 26 })
  imageId!: string;

  @Column({ name: 'verdict', type: 'varchar', length: 16 })
  verdict!: AnomalyVerdict;

  @Column({ name: 'method', type: 'varchar', length: 16, nullable: true })
  method!: string | null;

  @Column({ name: 'score', type: 'double precision', nullable: true })
  score!: number | null;

  @Column({ name: 'note', type: 'text', nullable: true })
  note!: string | null;

  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;
}
