import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { TIMESTAMP, oneOf } from './column-types';

export const DEDUP_VERDICTS = ['duplicate', 'not_duplicate', 'keep'] as const;
export type DedupVerdict = (typeof DEDUP_VERDICTS)[number];

/** A reviewer's verdict on a pair (imageA < imageB), respected by later sweeps; the latest one wins. */
@Entity({ name: 'dedup_decisions' })
@Unique('uq_dedup_decisions_owner_pair', ['ownerUserId', 'imageA', 'imageB'])
@Index('idx_dedup_decisions_owner_b', ['ownerUserId', 'imageB'])
@Check('ck_dedup_decisions_verdict', oneOf('verdict', DEDUP_VERDICTS))
@Check('ck_dedup_decisions_pair_order', '"image_a" < "image_b"')
export class DedupDecisionEntity {
  @PrimaryColumn({
    name: 'decision_id',
    type: 'char',
    length: 26,
    primaryKeyConstraintName: 'pk_dedup_decisions',
  })
  decisionId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'image_a', type: 'char', length: 26 })
  imageA!: string;

  @Column({ name: 'image_b', type: 'char', length: 26 })
  imageB!: string;

  @Column({ name: 'verdict', type: 'varchar', length: 16 })
  verdict!: DedupVerdict;

  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'group_id', type: 'char', length: 26, nullable: true })
  groupId!: string | null;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', ...TIMESTAMP, default: () => 'now()' })
  updatedAt!: Date;
}
