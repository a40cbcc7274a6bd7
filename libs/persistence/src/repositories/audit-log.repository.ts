import type { DataSource, Repository } from 'typeorm';
import { newUlid } from '@lookalike/contracts';
import { AuditLogEntity } from '../entities';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page-cursor';

export interface NewAuditEntry {
  ownerUserId: string;
  userId: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
}

/** Append-only: entries are written and read, never changed. */
export class AuditLogRepository {
  private readonly repo: Repository<AuditLogEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(AuditLogEntity);
  }

  async record(entry: NewAuditEntry): Promise<AuditLogEntity> {
    const auditId = newUlid();
    await this.dataSource.query(
      `INSERT INTO audit_log (audit_id, owner_user_id, user_id, action, target, details)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [
        auditId,
        entry.ownerUserId,
        entry.userId,
        entry.action,
        entry.target ?? null,
        JSON.stringify(entry.details ?? {}),
      ],
    );
    return this.repo.findOneByOrFail({ auditId });
  }

  async list(
    ownerUserId: string,
    query: PageRequest & { action?: string } = {},
  ): Promise<Page<AuditLogEntity>> {
    const limit = pageSize(query.limit);
    const qb = this.repo
      .createQueryBuilder('a')
      .where('a.owner_user_id = :ownerUserId', { ownerUserId })
      .orderBy('a.created_at', 'DESC')
      .addOrderBy('a.audit_id', 'DESC')
      .limit(limit + 1);
    if (query.cursor)
      qb.andWhere('(a.created_at, a.audit_id) < (:createdAt, :id)', decodeCursor(query.cursor));
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    return toPage(await qb.getMany(), limit, (row) => ({ createdAt: row.createdAt, id: row.auditId }));
  }
}
