import type { DataSource, Repository } from 'typeorm';
import { newUlid } from '@lookalike/contracts';
import { FeedbackEntity, type FeedbackAction } from '../entities';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page-cursor';

export interface NewFeedback {
  ownerUserId: string;
  userId: string;
  imageId: string;
  action: FeedbackAction;
  note?: string | null;
  queryId?: string | null;
}

export interface FeedbackListQuery extends PageRequest {
  imageId?: string;
  action?: FeedbackAction;
}

export class FeedbackRepository {
  private readonly repo: Repository<FeedbackEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(FeedbackEntity);
  }

  async record(input: NewFeedback): Promise<FeedbackEntity> {
    const feedbackId = newUlid();
    await this.repo.insert({
      feedbackId,
      ownerUserId: input.ownerUserId,
      userId: input.userId,
      imageId: input.imageId,
      action: input.action,
      note: input.note ?? null,
      queryId: input.queryId ?? null,
    });
    return this.repo.findOneByOrFail({ feedbackId });
  }

  /** Newest first; filter by image (the feedback on one image) or action (hard negatives: irrelevant). */
  async list(ownerUserId: string, query: FeedbackListQuery = {}): Promise<Page<FeedbackEntity>> {
    const limit = pageSize(query.limit);
    const qb = this.repo
      .createQueryBuilder('f')
      .where('f.owner_user_id = :ownerUserId', { ownerUserId })
      .orderBy('f.created_at', 'DESC')
      .addOrderBy('f.feedback_id', 'DESC')
      .limit(limit + 1);
    if (query.cursor)
      qb.andWhere('(f.created_at, f.feedback_id) < (:createdAt, :id)', decodeCursor(query.cursor));
    if (query.imageId) qb.andWhere('f.image_id = :imageId', { imageId: query.imageId });
    if (query.action) qb.andWhere('f.action = :action', { action: query.action });
    return toPage(await qb.getMany(), limit, (row) => ({ createdAt: row.createdAt, id: row.feedbackId }));
  }

  /** How often each action was given per image, for re-ranking and review queues. */
  async countsByImage(
    ownerUserId: string,
    imageIds: string[],
  ): Promise<Map<string, Partial<Record<FeedbackAction, number>>>> {
    const counts = new Map<string, Partial<Record<FeedbackAction, number>>>();
    if (imageIds.length === 0) return counts;
    const rows = await this.repo
      .createQueryBuilder('f')
      .select('f.image_id', 'imageId')
      .addSelect('f.action', 'action')
      .addSelect('count(*)::int', 'count')
      .where('f.owner_user_id = :ownerUserId AND f.image_id = ANY(:imageIds)', { ownerUserId, imageIds })
      .groupBy('f.image_id')
      .addGroupBy('f.action')
      .getRawMany<{ imageId: string; action: FeedbackAction; count: number }>();
    for (const row of rows) {
      const entry = counts.get(row.imageId) ?? {};
      entry[row.action] = row.count;
      counts.set(row.imageId, entry);
    }
    return counts;
  }
}
