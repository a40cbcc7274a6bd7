import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from './column-types';

/** Append-only record of who did what to which target. */
@Entity({ name: 'audit_log' })
@Index('idx_audit_log_owner_created', ['ownerUserId', 'createdAt', 'auditId'])
export class AuditLogEntity {
  @PrimaryColumn({ name: 'audit_id', type: 'char', length: 26, primaryKeyConstraintName: 'pk_audit_log' })
  auditId!: string;

  @Column({ name: 'owner_user_id', type: 'varchar', length: 128 })
  ownerUserId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 128 })
  userId!: string;

  @Column({ name: 'action', type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target', type: 'varchar', length: 256, nullable: true })
  target!: string | null;

  @Column({ name: 'details', type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;

  @Column({ name: 'created_at', ...TIMESTAMP, default: () => 'now()' })
  createdAt!: Date;
}
