import { ErrorCode, LookalikeError, newUlid } from '@lookalike/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { requireIds } from './required-ids';

export const SETTINGS_SCOPES = ['dedup', 'anomaly'] as const;
export type SettingsScope = (typeof SETTINGS_SCOPES)[number];

/** One applied version of a tenant's settings of one scope. */
export interface SettingsVersion<S = Record<string, unknown>> {
  version: number;
  settings: S;
  /** What was in force before this version (an empty object: the deployment's defaults). */
  previous: S;
  /** The agreement report the admin saw when applying. */
  evidence: Record<string, unknown>;
  appliedBy: string;
  appliedAt: Date;
  undoneBy: string | null;
  undoneAt: Date | null;
}

interface Row {
  version: number;
  settings: unknown;
  previous: unknown;
  evidence: Record<string, unknown>;
  applied_by: string;
  applied_at: Date;
  undone_by: string | null;
  undone_at: Date | null;
}

function toVersion<S>(r: Row): SettingsVersion<S> {
  return {
    version: r.version,
    settings: r.settings as S,
    previous: r.previous as S,
    evidence: r.evidence,
    appliedBy: r.applied_by,
    appliedAt: new Date(r.applied_at),
    undoneBy: r.undone_by,
    undoneAt: r.undone_at ? new Date(r.undone_at) : null,
  };
}

const COLUMNS = 'version, settings, previous, evidence, applied_by, applied_at, undone_by, undone_at';

/**
 * Per-tenant settings an admin applied, as versions: applying adds one, undoing marks the one in
 * force as undone so the one before it (or the defaults) applies again. Every change is written
 * with its audit entry in one transaction.
 */
export class TenantSettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The version in force (the newest one not undone), or null: the deployment's defaults. */
  async current<S>(ownerUserId: string, scope: SettingsScope): Promise<SettingsVersion<S> | null> {
    requireIds({ ownerUserId, scope });
    return this.currentWith<S>(this.dataSource.manager, ownerUserId, scope);
  }

  /** Every version, newest first. */
  async history<S>(ownerUserId: string, scope: SettingsScope, limit = 20): Promise<SettingsVersion<S>[]> {
    requireIds({ ownerUserId, scope });
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM tenant_settings
        WHERE owner_user_id = $1 AND scope = $2 ORDER BY version DESC LIMIT $3`,
      [ownerUserId, scope, limit],
    )) as Row[];
    return rows.map((r) => toVersion<S>(r));
  }

  /** Adds a version in force from now on; `previous` records what it replaces. */
  async apply<S>(
    ownerUserId: string,
    scope: SettingsScope,
    userId: string,
    settings: S,
    evidence: Record<string, unknown> = {},
  ): Promise<SettingsVersion<S>> {
    requireIds({ ownerUserId, scope, userId });
    return this.dataSource.transaction(async (manager) => {
      // One writer per tenant and scope: the version numbers and the audit trail stay in order.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`settings:${ownerUserId}:${scope}`]);
      const before = await this.currentWith<S>(manager, ownerUserId, scope);
      const [{ next }] = (await manager.query(
        `SELECT COALESCE(MAX(version), 0) + 1 AS next FROM tenant_settings WHERE owner_user_id = $1 AND scope = $2`,
        [ownerUserId, scope],
      )) as { next: number }[];
      const previous = before?.settings ?? {};
      const rows = (await manager.query(
        `INSERT INTO tenant_settings (owner_user_id, scope, version, settings, previous, evidence, applied_by)
         VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7) RETURNING ${COLUMNS}`,
        [
          ownerUserId,
          scope,
          Number(next),
          JSON.stringify(settings),
          JSON.stringify(previous),
          JSON.stringify(evidence),
          userId,
        ],
      )) as Row[];
      await this.audit(manager, ownerUserId, userId, `settings.${scope}.apply`, Number(next), {
        from: previous,
        to: settings,
      });
      return toVersion<S>(rows[0]);
    });
  }

  /**
   * Undoes the version in force: the one before it applies again. Answers the undone version and
   * the one now in force (null: the defaults); `conflict` when nothing is left to undo.
   */
  async undo<S>(
    ownerUserId: string,
    scope: SettingsScope,
    userId: string,
  ): Promise<{ undone: SettingsVersion<S>; current: SettingsVersion<S> | null }> {
    requireIds({ ownerUserId, scope, userId });
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`settings:${ownerUserId}:${scope}`]);
      const latest = await this.currentWith<S>(manager, ownerUserId, scope);
      if (!latest) {
        throw new LookalikeError(ErrorCode.Conflict, `no applied ${scope} settings to undo`, {
          details: { scope },
        });
      }
      const rows = (await manager.query(
        `UPDATE tenant_settings SET undone_by = $4, undone_at = now()
          WHERE owner_user_id = $1 AND scope = $2 AND version = $3 RETURNING ${COLUMNS}`,
        [ownerUserId, scope, latest.version, userId],
      )) as [Row[], number] | Row[];
      const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Row[];
      const current = await this.currentWith<S>(manager, ownerUserId, scope);
      await this.audit(manager, ownerUserId, userId, `settings.${scope}.undo`, latest.version, {
        from: latest.settings,
        to: current?.settings ?? {},
      });
      return { undone: toVersion<S>(updated[0]), current };
    });
  }

  private async currentWith<S>(
    manager: EntityManager,
    ownerUserId: string,
    scope: SettingsScope,
  ): Promise<SettingsVersion<S> | null> {
    const rows = (await manager.query(
      `SELECT ${COLUMNS} FROM tenant_settings
        WHERE owner_user_id = $1 AND scope = $2 AND undone_at IS NULL ORDER BY version DESC LIMIT 1`,
      [ownerUserId, scope],
    )) as Row[];
    return rows[0] ? toVersion<S>(rows[0]) : null;
  }

  private async audit(
    manager: EntityManager,
    ownerUserId: string,
    userId: string,
    action: string,
    version: number,
    details: Record<string, unknown>,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (audit_id, owner_user_id, user_id, action, target, details)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [newUlid(), ownerUserId, userId, action, `settings:${version}`, JSON.stringify(details)],
    );
  }
}
