import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  DATA_SOURCE,
  FeedbackRepository,
  ImageRepository,
  type FeedbackAction,
  type FeedbackEntity,
  type Page,
} from '@lookalike/persistence';

export interface HardNegativeRow {
  queryId: string;
  queryImageId: string;
  hitImageId: string;
  note: string;
  createdAt: Date;
}

/** Feedback rows, the query image of each named search, and the tenant's image rows. */
@Injectable()
export class FeedbackStoreRepository {
  private readonly feedback: FeedbackRepository;
  private readonly images: ImageRepository;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {
    this.feedback = new FeedbackRepository(dataSource);
    this.images = new ImageRepository(dataSource);
  }

  async imageExists(owner: string, imageId: string): Promise<boolean> {
    return (await this.images.findById(owner, imageId)) !== null;
  }

  record(input: {
    ownerUserId: string;
    userId: string;
    imageId: string;
    action: FeedbackAction;
    note: string | null;
    queryId: string | null;
  }): Promise<FeedbackEntity> {
    return this.feedback.record(input);
  }

  list(
    owner: string,
    query: { imageId?: string; cursor?: string; limit?: number },
  ): Promise<Page<FeedbackEntity>> {
    return this.feedback.list(owner, query);
  }

  /** The first image named for a query wins: a query_id identifies one search. */
  async rememberQuery(owner: string, queryId: string, queryImageId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO feedback_queries (owner_user_id, query_id, query_image_id) VALUES ($1, $2, $3)
       ON CONFLICT (owner_user_id, query_id) DO NOTHING`,
      [owner, queryId, queryImageId],
    );
  }

  async queryImages(owner: string, queryIds: readonly string[]): Promise<Map<string, string>> {
    if (queryIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT query_id, query_image_id FROM feedback_queries WHERE owner_user_id = $1 AND query_id = ANY($2::text[])`,
      [owner, queryIds],
    )) as { query_id: string; query_image_id: string }[];
    return new Map(rows.map((r) => [r.query_id, r.query_image_id.trim()]));
  }

  /** `irrelevant` verdicts on hits of searches whose query image is known, newest first. */
  async hardNegatives(owner: string, max: number): Promise<HardNegativeRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT f.query_id, q.query_image_id, f.image_id, coalesce(f.note, '') AS note, f.created_at
         FROM feedback f
         JOIN feedback_queries q ON q.owner_user_id = f.owner_user_id AND q.query_id = f.query_id
        WHERE f.owner_user_id = $1 AND f.action = 'irrelevant'
        ORDER BY f.created_at DESC, f.feedback_id DESC
        LIMIT $2`,
      [owner, max],
    )) as { query_id: string; query_image_id: string; image_id: string; note: string; created_at: Date }[];
    return rows.map((r) => ({
      queryId: r.query_id,
      queryImageId: r.query_image_id.trim(),
      hitImageId: r.image_id.trim(),
      note: r.note,
      createdAt: new Date(r.created_at),
    }));
  }
}
