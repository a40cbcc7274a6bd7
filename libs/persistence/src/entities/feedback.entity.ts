import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TIMESTAMP, oneOf } from './column-types';

export const FEEDBACK_ACTIONS = ['relevant', 'irrelevant', 'duplicate', 'anomaly'] as const;
export type FeedbackAction = (typeof FEEDBACK_ACTIONS)[number];

/** A reviewer's verdict on one search hit or image; the source of hard negatives. */
@Entity({ name: 'feedback' })
@Index('idx_feedback_owner_image', ['ownerUserId', 'imageId', 'createdAt'])
@Index('idx_feedback_owner_action', ['ownerUserId', 'action', 'createdAt'])
@Check('ck_feedback_action', oneOf('action', FEEDBACK_ACTIONS))
export class FeedbackEntity {
  @PrimaryColumn({ name: 'feedback_id', type: 'char', length: 26, primaryKeyConstraintName: 'pk_feedback' })
  feedbackId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'image_id', type: 'char', length: 26 })
  imageId!: string;

  @Column({ name: 'action', type: 'varchar', length: 16 })
  action!: FeedbackAction;

  @Column({ name: 'note', type: 'text', nullable: true })
  note!: string | null;

  @Column({ name: 'query_id', type: 'varchar', length: 64, nullable: true })
  queryId!: string | null;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;
}
