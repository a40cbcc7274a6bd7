import { Check, Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { TIMESTAMP, oneOf } from './column-types';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobFailure {
  item: string;
  code: string;
  reason: string;
}

/** Long work (batch ingest, dedup sweep, re-index): state and progress visible over the API. */
@Entity({ name: 'jobs' })
@Index('idx_jobs_owner_created', ['ownerUserId', 'createdAt', 'jobId'])
@Index('idx_jobs_claim', ['state', 'kind', 'createdAt'])
@Unique('uq_jobs_owner_kind_idempotency', ['ownerUserId', 'kind', 'idempotencyKey'])
@Check('ck_jobs_state', oneOf('state', JOB_STATES))
export class JobEntity {
  @PrimaryColumn({ name: 'job_id', type: 'char', length: 26, primaryKeyConstraintName: 'pk_jobs' })
  jobId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'kind', type: 'varchar', length: 64 })
  kind!: string;

  @Column({ name: 'state', type: 'varchar', length: 16 })
  state!: JobState;

  /** Same owner + kind + key: the job already exists (a replayed request creates nothing new). */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'done', type: 'integer', default: 0 })
  done!: number;

  @Column({ name: 'total', type: 'integer', default: 0 })
  total!: number;

  @Column({ name: 'failures', type: 'jsonb', default: () => "'[]'" })
  failures!: JobFailure[];

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'payload', type: 'jsonb', default: () => "'{}'" })
  payload!: Record<string, unknown>;

  @Column({ name: 'result', type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'max_attempts', type: 'integer', default: 3 })
  maxAttempts!: number;

  /** Not claimed before this time (null: at once). */
  @Column({ name: 'run_after', ...TIMESTAMP, nullable: true })
  runAfter!: Date | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 128, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', ...TIMESTAMP, nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'heartbeat_at', ...TIMESTAMP, nullable: true })
  heartbeatAt!: Date | null;

  @Column({ name: 'started_at', ...TIMESTAMP, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', ...TIMESTAMP, nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', ...TIMESTAMP, default: () => 'now()' })
  updatedAt!: Date;
}
