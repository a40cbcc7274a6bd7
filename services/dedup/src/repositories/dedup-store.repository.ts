import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  DATA_SOURCE,
  DedupRepository,
  type DedupGroupEntity,
  type DedupGroupQuery,
  type DedupKind,
  type DedupMember,
  type Page,
  type PairDecision,
} from '@lookalike/persistence';
import { DELETE_JOB } from '../domain/dedup-jobs';
import type { SweepGroup } from '../domain/dedup-sweep';
import { pairKey } from '../domain/dedup-image';
import { returningRows } from './sql-rows';

/** Dedup groups and reviewers' decisions in SQL, and the `duplicate` tag on the image rows. */
@Injectable()
export class DedupStoreRepository {
  private readonly repo: DedupRepository;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {
    this.repo = new DedupRepository(dataSource);
  }

  /**
   * pairKey()s of the pairs the tenant's reviewers marked not-duplicate: every one (a sweep), or
   * only those between the given images (a check: the unique (owner, image_a, image_b) index
   * answers it without reading the tenant's decisions).
   */
  async notDuplicatePairs(owner: string, among?: readonly string[]): Promise<Set<string>> {
    if (among && among.length < 2) return new Set();
    const rows = (await this.dataSource.query(
      among
        ? `SELECT image_a, image_b FROM dedup_decisions
            WHERE owner_user_id = $1 AND image_a = ANY($2::bpchar[]) AND image_b = ANY($2::bpchar[])
              AND verdict = 'not_duplicate'`
        : `SELECT image_a, image_b FROM dedup_decisions WHERE owner_user_id = $1 AND verdict = 'not_duplicate'`,
      among ? [owner, among] : [owner],
    )) as { image_a: string; image_b: string }[];
    return new Set(rows.map((r) => pairKey(r.image_a.trim(), r.image_b.trim())));
  }

  async saveGroup(
    owner: string,
    group: SweepGroup,
    scanJobId: string | null,
  ): Promise<{ group: DedupGroupEntity; created: boolean }> {
    return this.repo.upsertGroup({
      ownerUserId: owner,
      kind: group.kind,
      // Members keep their quality score in the jsonb too, so listing needs no second lookup.
      members: group.members,
      suggestedKeep: group.suggestedKeep,
      scanJobId,
    });
  }

  /**
   * Open groups of the tenant no sweep found again are stale (a member was deleted, or a decision
   * split them): they are dropped so the review queue shows only what the last sweep saw.
   */
  async dropStaleOpenGroups(owner: string, keepIds: readonly string[]): Promise<number> {
    const rows = await returningRows(
      this.dataSource,
      `DELETE FROM dedup_groups WHERE owner_user_id = $1 AND media = 'image' AND status = 'open' AND NOT (group_id = ANY($2::text[]))
       RETURNING group_id`,
      [owner, keepIds],
    );
    return rows.length;
  }

  /** A video group (docs/video.md): created, or the open group of the same members updated. */
  saveVideoGroup(
    owner: string,
    group: { kind: DedupKind; members: DedupMember[]; suggestedKeep: string },
  ): Promise<{ group: DedupGroupEntity; created: boolean }> {
    return this.repo.upsertGroup({ ownerUserId: owner, media: 'video', ...group });
  }

  /** Open video groups holding any of these videos. */
  openVideoGroupsHolding(owner: string, videoIds: readonly string[]): Promise<DedupGroupEntity[]> {
    return this.repo.openGroupsHolding(owner, 'video', videoIds);
  }

  /** Drops open groups (folded into a bigger one, or left with one member). */
  dropOpenGroups(owner: string, groupIds: readonly string[]): Promise<number> {
    return this.repo.deleteOpenGroups(owner, groupIds);
  }

  listGroups(owner: string, query: DedupGroupQuery): Promise<Page<DedupGroupEntity>> {
    return this.repo.listGroups(owner, query);
  }

  getGroup(owner: string, groupId: string): Promise<DedupGroupEntity | null> {
    return this.repo.getGroup(owner, groupId);
  }

  resolveGroup(
    owner: string,
    groupId: string,
    userId: string,
    decisions: PairDecision[],
  ): Promise<DedupGroupEntity> {
    return this.repo.resolveGroup(owner, groupId, userId, decisions);
  }

  recordDecision(owner: string, userId: string, decision: PairDecision): Promise<unknown> {
    return this.repo.recordDecision({ ownerUserId: owner, userId, ...decision });
  }

  /**
   * Adds or removes a tag on image rows, or on video rows for a video group's members (an image's
   * vector payload is updated by the caller).
   */
  async setTag(
    owner: string,
    ids: readonly string[],
    tag: string,
    on: boolean,
    media: 'image' | 'video' = 'image',
  ): Promise<void> {
    if (ids.length === 0) return;
    const [table, id] = media === 'video' ? ['videos', 'video_id'] : ['images', 'image_id'];
    await this.dataSource.query(
      on
        ? `UPDATE ${table} SET tags = array_append(tags, $3), updated_at = now()
            WHERE owner_user_id = $1 AND ${id} = ANY($2::text[]) AND NOT ($3 = ANY(tags))`
        : `UPDATE ${table} SET tags = array_remove(tags, $3), updated_at = now()
            WHERE owner_user_id = $1 AND ${id} = ANY($2::text[])`,
      [owner, ids, tag],
    );
  }

  /** Deletions of a group still waiting for their undo window to end (to cancel them). */
  async pendingDeletes(owner: string, groupId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT job_id FROM jobs WHERE owner_user_id = $1 AND kind = $2 AND state = 'queued'
          AND payload->>'groupId' = $3`,
      [owner, DELETE_JOB, groupId],
    )) as { job_id: string }[];
    return rows.map((r) => r.job_id);
  }

  /** Tenants that hold images, for the scheduled sweep. */
  async owners(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT DISTINCT owner_user_id FROM images`)) as {
      owner_user_id: string;
    }[];
    return rows.map((r) => r.owner_user_id);
  }
}
