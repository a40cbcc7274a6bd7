import { ErrorCode, LookalikeError, newUlid } from '@lookalike/contracts';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import {
  DedupDecisionEntity,
  DedupGroupEntity,
  memberId,
  type DedupGroupStatus,
  type DedupMedia,
  type DedupKind,
  type DedupMember,
  type DedupVerdict,
} from '../entities';
import { hydrateRow, sqlRows } from './sql-rows';
import { requireIds } from './required-ids';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page-cursor';

export interface NewDedupGroup {
  ownerUserId: string;
  kind: DedupKind;
  /** `image` unless said otherwise; a video group's members carry `video`. */
  media?: DedupMedia;
  members: DedupMember[];
  suggestedKeep?: string | null;
  scanJobId?: string | null;
}

export interface PairDecision {
  imageA: string;
  imageB: string;
  verdict: DedupVerdict;
}

export interface DedupGroupQuery extends PageRequest {
  kind?: DedupKind;
  media?: DedupMedia;
  status?: DedupGroupStatus;
}

/** Pairs are stored once, smaller id first. */
export function orderedPair(a: string, b: string): [string, string] {
  if (a === b) throw LookalikeError.invalid('a decision needs two different images', { image: a });
  return a < b ? [a, b] : [b, a];
}

function membersKey(members: DedupMember[]): string {
  return [...new Set(members.map(memberId))].sort().join(',');
}

export class DedupRepository {
  private readonly groups: Repository<DedupGroupEntity>;
  private readonly decisions: Repository<DedupDecisionEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.groups = dataSource.getRepository(DedupGroupEntity);
    this.decisions = dataSource.getRepository(DedupDecisionEntity);
  }

  /**
   * Saves a group found by a sweep. The same members found again update the open group in place
   * (a re-run sweep adds nothing); a group already resolved is left as the reviewer left it.
   */
  async upsertGroup(input: NewDedupGroup): Promise<{ group: DedupGroupEntity; created: boolean }> {
    const media = input.media ?? 'image';
    if (input.members.some((member) => (media === 'video') !== (member.video !== undefined))) {
      throw LookalikeError.invalid(`every member of a ${media} group must be an ${media}`);
    }
    if (new Set(input.members.map(memberId)).size < 2) {
      throw LookalikeError.invalid(`a dedup group needs at least two ${media}s`);
    }
    const key = membersKey(input.members);
    const rows = await sqlRows<Record<string, unknown> & { inserted: boolean }>(
      this.dataSource,
      `INSERT INTO dedup_groups (group_id, owner_user_id, kind, members, members_key, suggested_keep, scan_job_id, media)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
       ON CONFLICT (owner_user_id, kind, members_key) DO UPDATE
          SET members = excluded.members, suggested_keep = excluded.suggested_keep,
              scan_job_id = excluded.scan_job_id, updated_at = now()
        WHERE dedup_groups.status = 'open'
       RETURNING *, (xmax = 0) AS inserted`,
      [
        newUlid(),
        input.ownerUserId,
        input.kind,
        JSON.stringify(input.members),
        key,
        input.suggestedKeep ?? null,
        input.scanJobId ?? null,
        media,
      ],
    );
    const row = rows[0];
    const group = row
      ? hydrateRow(this.groups, row)
      : await this.groups.findOneBy({ ownerUserId: input.ownerUserId, kind: input.kind, membersKey: key });
    if (!group) throw new LookalikeError(ErrorCode.Conflict, 'dedup group vanished while saving; retry');
    return { group, created: row?.inserted === true };
  }

  async getGroup(ownerUserId: string, groupId: string): Promise<DedupGroupEntity | null> {
    requireIds({ ownerUserId, groupId });
    return this.groups.findOneBy({ ownerUserId, groupId });
  }

  async listGroups(ownerUserId: string, query: DedupGroupQuery = {}): Promise<Page<DedupGroupEntity>> {
    const limit = pageSize(query.limit);
    const qb = this.groups
      .createQueryBuilder('g')
      .where('g.owner_user_id = :ownerUserId', { ownerUserId })
      .orderBy('g.created_at', 'DESC')
      .addOrderBy('g.group_id', 'DESC')
      .limit(limit + 1);
    if (query.cursor)
      qb.andWhere('(g.created_at, g.group_id) < (:createdAt, :id)', decodeCursor(query.cursor));
    if (query.kind) qb.andWhere('g.kind = :kind', { kind: query.kind });
    if (query.media) qb.andWhere('g.media = :media', { media: query.media });
    if (query.status) qb.andWhere('g.status = :status', { status: query.status });
    return toPage(await qb.getMany(), limit, (row) => ({ createdAt: row.createdAt, id: row.groupId }));
  }

  /** The open groups of these media holding any of these members (video id or image id). */
  async openGroupsHolding(
    ownerUserId: string,
    media: DedupMedia,
    ids: readonly string[],
  ): Promise<DedupGroupEntity[]> {
    if (ids.length === 0) return [];
    const probes = ids.map((id) =>
      JSON.stringify([media === 'video' ? { video: { videoId: id } } : { imageId: id }]),
    );
    const rows = await sqlRows<Record<string, unknown>>(
      this.dataSource,
      `SELECT * FROM dedup_groups
        WHERE owner_user_id = $1 AND media = $2 AND status = 'open'
          AND EXISTS (SELECT 1 FROM unnest($3::text[]) AS probe WHERE members @> probe::jsonb)
        ORDER BY created_at, group_id`,
      [ownerUserId, media, probes],
    );
    return rows.map((row) => hydrateRow(this.groups, row));
  }

  /** Drops open groups (merged into a bigger one, or left with one member); resolved ones stay. */
  async deleteOpenGroups(ownerUserId: string, groupIds: readonly string[]): Promise<number> {
    if (groupIds.length === 0) return 0;
    const rows = await sqlRows<{ group_id: string }>(
      this.dataSource,
      `DELETE FROM dedup_groups WHERE owner_user_id = $1 AND status = 'open' AND group_id = ANY($2::text[])
       RETURNING group_id`,
      [ownerUserId, groupIds],
    );
    return rows.length;
  }

  /** Records the reviewer's pair verdicts and closes the group, all or nothing. */
  async resolveGroup(
    ownerUserId: string,
    groupId: string,
    userId: string,
    decisions: PairDecision[],
  ): Promise<DedupGroupEntity> {
    return this.dataSource.transaction(async (manager) => {
      const group = await manager.getRepository(DedupGroupEntity).findOneBy({ ownerUserId, groupId });
      if (!group) throw LookalikeError.notFound('dedup group', groupId);
      const members = new Set(group.members.map(memberId));
      for (const decision of decisions) {
        if (!members.has(decision.imageA) || !members.has(decision.imageB)) {
          throw LookalikeError.invalid('a decision names an image outside the group', { ...decision });
        }
        await this.upsertDecision(manager, { ownerUserId, userId, groupId, ...decision });
      }
      await manager.query(
        `UPDATE dedup_groups SET status = 'resolved', resolved_by = $3, resolved_at = now(), updated_at = now()
          WHERE owner_user_id = $1 AND group_id = $2`,
        [ownerUserId, groupId, userId],
      );
      return manager.getRepository(DedupGroupEntity).findOneByOrFail({ groupId });
    });
  }

  /** One verdict on a pair; a later verdict on the same pair replaces the earlier one. */
  async recordDecision(
    input: PairDecision & { ownerUserId: string; userId: string; groupId?: string | null },
  ): Promise<DedupDecisionEntity> {
    return this.upsertDecision(this.dataSource.manager, input);
  }

  async decisionFor(ownerUserId: string, a: string, b: string): Promise<DedupDecisionEntity | null> {
    requireIds({ ownerUserId, a, b });
    const [imageA, imageB] = orderedPair(a, b);
    return this.decisions.findOneBy({ ownerUserId, imageA, imageB });
  }

  /** Every decision between two of these images, so a sweep can respect earlier verdicts. */
  async decisionsAmong(ownerUserId: string, imageIds: string[]): Promise<DedupDecisionEntity[]> {
    if (imageIds.length < 2) return [];
    return this.decisions
      .createQueryBuilder('d')
      .where('d.owner_user_id = :ownerUserId AND d.image_a = ANY(:ids) AND d.image_b = ANY(:ids)', {
        ownerUserId,
        ids: imageIds,
      })
      .getMany();
  }

  private async upsertDecision(
    manager: EntityManager,
    input: PairDecision & { ownerUserId: string; userId: string; groupId?: string | null },
  ): Promise<DedupDecisionEntity> {
    const [imageA, imageB] = orderedPair(input.imageA, input.imageB);
    await manager.query(
      `INSERT INTO dedup_decisions (decision_id, owner_user_id, image_a, image_b, verdict, user_id, group_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (owner_user_id, image_a, image_b) DO UPDATE
          SET verdict = excluded.verdict, user_id = excluded.user_id, group_id = excluded.group_id,
              updated_at = now()`,
      [newUlid(), input.ownerUserId, imageA, imageB, input.verdict, input.userId, input.groupId ?? null],
    );
    return manager
      .getRepository(DedupDecisionEntity)
      .findOneByOrFail({ ownerUserId: input.ownerUserId, imageA, imageB });
  }
}
