import type { DataSource, Repository } from 'typeorm';
import { newUlid } from '@lookalike/contracts';
import { AnomalyReviewEntity, type AnomalyVerdict } from '../entities';
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from './page-cursor';

export interface NewAnomalyReview {
  ownerUserId: string;
  imageId: string;
  verdict: AnomalyVerdict;
  userId: string;
  method?: string | null;
  score?: number | null;
  note?: string | null;
}

export class AnomalyReviewRepository {
  private readonly repo: Repository<AnomalyReviewEntity>;

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(AnomalyReviewEntity);
  }

  async record(input: NewAnomalyReview): Promise<AnomalyReviewEntity> {
    const reviewId = newUlid();
    await this.repo.insert({
      reviewId,
      ownerUserId: input.ownerUserId,
      imageId: input.imageId,
      verdict: input.verdict,
      userId: input.userId,
      method: input.method ?? null,
      score: input.score ?? null,
      note: input.note ?? null,
    });
    return this.repo.findOneByOrFail({ reviewId });
  }

  /** The latest review of each of these images (images never reviewed are absent). */
  async latestFor(ownerUserId: string, imageIds: string[]): Promise<Map<string, AnomalyReviewEntity>> {
    const latest = new Map<string, AnomalyReviewEntity>();
    if (imageIds.length === 0) return latest;
    const rows = await this.repo
      .createQueryBuilder('r')
      .distinctOn(['r.image_id'])
      .where('r.owner_user_id = :ownerUserId AND r.image_id = ANY(:imageIds)', { ownerUserId, imageIds })
      .orderBy('r.image_id')
      .addOrderBy('r.created_at', 'DESC')
      .addOrderBy('r.review_id', 'DESC')
      .getMany();
    for (const row of rows) latest.set(row.imageId, row);
    return latest;
  }

  async list(
    ownerUserId: string,
    query: PageRequest & { imageId?: string } = {},
  ): Promise<Page<AnomalyReviewEntity>> {
    const limit = pageSize(query.limit);
    const qb = this.repo
      .createQueryBuilder('r')
      .where('r.owner_user_id = :ownerUserId', { ownerUserId })
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.review_id', 'DESC')
      .limit(limit + 1);
    if (query.cursor)
      qb.andWhere('(r.created_at, r.review_id) < (:createdAt, :id)', decodeCursor(query.cursor));
    if (query.imageId) qb.andWhere('r.image_id = :imageId', { imageId: query.imageId });
    return toPage(await qb.getMany(), limit, (row) => ({ createdAt: row.createdAt, id: row.reviewId }));
  }
}
