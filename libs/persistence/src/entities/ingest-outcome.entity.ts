import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber, oneOf } from './column-types';

export const INGEST_OUTCOMES = ['created', 'duplicate', 'rejected', 'failed'] as const;
export type IngestOutcome = (typeof INGEST_OUTCOMES)[number];

/**
 * Upload answers per tenant, hour and outcome (docs/OPERATIONS.md, "QC metrics"): the ingest
 * service counts them in memory and adds them here every few seconds, so `GET /api/stats` reports
 * refusals that leave no image row.
 */
@Entity({ name: 'ingest_outcomes' })
@Check('ck_ingest_outcomes_outcome', oneOf('outcome', INGEST_OUTCOMES))
export class IngestOutcomeEntity {
  @PrimaryColumn({
    name: 'owner_user_id',
    type: 'varchar',
    length: 128,
    primaryKeyConstraintName: 'pk_ingest_outcomes',
  })
  ownerUserId!: string;

  /** The start of the hour (UTC). */
  @PrimaryColumn({
    name: 'hour',
    type: 'timestamptz',
    precision: 3,
    primaryKeyConstraintName: 'pk_ingest_outcomes',
  })
  hour!: Date;

  @PrimaryColumn({
    name: 'outcome',
    type: 'varchar',
    length: 16,
    primaryKeyConstraintName: 'pk_ingest_outcomes',
  })
  outcome!: IngestOutcome;

  @Column({ name: 'count', type: 'bigint', transformer: bigintToNumber })
  count!: number;
}
