import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from './column-types';

/**
 * The geometric verification of one pair of images (imageA < imageB), kept so each pair is
 * verified once: a sweep, a restart or a later check reads it instead of matching again. `method`
 * names the features and rule that made it; a row of another method is a miss. `geometry` is the
 * evidence from imageA to imageB (PairGeometry), kept in full for verified pairs only.
 */
@Entity({ name: 'pair_verifications' })
@Index('idx_pair_verifications_owner_b', ['ownerUserId', 'imageB'])
export class PairVerificationEntity {
  @PrimaryColumn({
    name: 'owner_user_id',
    type: 'varchar',
    length: 128,
    primaryKeyConstraintName: 'pk_pair_verifications',
  })
  ownerUserId!: string;

  @PrimaryColumn({
    name: 'image_a',
    type: 'char',
    length: 26,
    primaryKeyConstraintName: 'pk_pair_verifications',
  })
  imageA!: string;

  @PrimaryColumn({
    name: 'image_b',
    type: 'char',
    length: 26,
    primaryKeyConstraintName: 'pk_pair_verifications',
  })
  imageB!: string;

  @Column({ name: 'method', type: 'varchar', length: 64 })
  method!: string;

  @Column({ name: 'verified', type: 'boolean' })
  verified!: boolean;

  @Column({ name: 'geometry', type: 'jsonb' })
  geometry!: unknown;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;
}
