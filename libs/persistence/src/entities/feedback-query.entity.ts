import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from './column-types';

/** The image a search (query_id) was made with, recorded when feedback names the query: hard negatives need it. */
@Entity({ name: 'feedback_queries' })
export class FeedbackQueryEntity {
  @PrimaryColumn({
    name: 'owner_user_id',
    type: 'varchar',
    length: 128,
    primaryKeyConstraintName: 'pk_feedback_queries',
  })
  ownerUserId!: string;

  @PrimaryColumn({
    name: 'query_id',
    type: 'varchar',
    length: 64,
    primaryKeyConstraintName: 'pk_feedback_queries',
  })
  queryId!: string;

  @Column({ name: 'query_image_id', type: 'char', length: 26 })
  queryImageId!: string;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;
}
