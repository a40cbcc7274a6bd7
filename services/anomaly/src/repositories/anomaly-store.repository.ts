import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { LookalikeError } from '@lookalike/contracts';
import {
  AnomalyReviewRepository,
  DATA_SOURCE,
  pageSize,
  type AnomalyReviewEntity,
  type AnomalyVerdict,
} from '@lookalike/persistence';
import type { Components, ListMethod, RawScores, StoredRaw } from '../domain/anomaly-scoring';

export interface ScoreRow extends Components {
  imageId: string;
  combined: number;
  raw: StoredRaw;
}

/** What an image's last score was, for an incremental update. */
export interface PreviousScore {
  combined: number;
  raw: StoredRaw;
}

export interface ListedScore extends ScoreRow {
  verdict: string | null;
  score: number;
}

const COLUMN: Readonly<Record<ListMethod, string>> = {
  dnn: 'dnn',
  density: 'density',
  ood: 'ood',
  quality: 'quality',
  combined: 'combined',
};

/** Cursor of a list sorted by score: the (score, image id) of the last item. */
function encode(score: number, imageId: string): string {
  return Buffer.from(`${score.toPrecision(17)}|${imageId}`, 'utf8').toString('base64url');
}

function decode(cursor: string): { score: number; imageId: string } {
  const m = /^(-?[0-9.e+-]+)\|([0-9A-Za-z]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || !Number.isFinite(Number(m[1]))) throw LookalikeError.invalid('cursor is malformed');
  return { score: Number(m[1]), imageId: m[2] };
}

interface Row {
  image_id: string;
  dnn: number;
  density: number;
  ood: number;
  quality: number;
  combined: number;
  raw: RawScores;
  verdict: string | null;
  score: number;
}

/** Scores (anomaly_scores), the image rows' anomaly_score and reviews in SQL. */
@Injectable()
export class AnomalyStoreRepository {
  readonly reviews: AnomalyReviewRepository;

  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {
    this.reviews = new AnomalyReviewRepository(dataSource);
  }

  async upsert(owner: string, rows: readonly ScoreRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO anomaly_scores (owner_user_id, image_id, dnn, density, ood, quality, combined, raw, computed_at)
       SELECT $1, r.image_id, r.dnn, r.density, r.ood, r.quality, r.combined, r.raw, now()
         FROM jsonb_to_recordset($2::jsonb)
           AS r(image_id text, dnn float8, density float8, ood float8, quality float8, combined float8, raw jsonb)
       ON CONFLICT (owner_user_id, image_id) DO UPDATE
          SET dnn = excluded.dnn, density = excluded.density, ood = excluded.ood, quality = excluded.quality,
              combined = excluded.combined, raw = excluded.raw, computed_at = now()`,
      [owner, JSON.stringify(rows.map((r) => ({ ...r, image_id: r.imageId })))],
    );
    await this.dataSource.query(
      `UPDATE images i SET anomaly_score = r.combined, updated_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS r(image_id text, combined float8)
        WHERE i.owner_user_id = $1 AND i.image_id = r.image_id`,
      [owner, JSON.stringify(rows.map((r) => ({ image_id: r.imageId, combined: r.combined })))],
    );
  }

  /** Rows of images no longer in the index are dropped after a full recompute. */
  async dropOthers(owner: string, keep: readonly string[]): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM anomaly_scores WHERE owner_user_id = $1 AND NOT (image_id = ANY($2::text[]))`,
      [owner, keep],
    );
  }

  /** The last scores of these images (primary key lookups). */
  async previous(owner: string, imageIds: readonly string[]): Promise<Map<string, PreviousScore>> {
    if (imageIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT image_id, combined, raw FROM anomaly_scores
        WHERE owner_user_id = $1 AND image_id = ANY($2::bpchar[])`,
      [owner, imageIds],
    )) as { image_id: string; combined: number; raw: StoredRaw }[];
    return new Map(rows.map((r) => [r.image_id.trim(), { combined: r.combined, raw: r.raw }]));
  }

  /** Raw scores of the tenant's most recent images, at most `limit` (a bounded reference sample). */
  async recentRawScores(owner: string, limit: number): Promise<RawScores[]> {
    const rows = (await this.dataSource.query(
      `SELECT raw FROM anomaly_scores WHERE owner_user_id = $1 ORDER BY image_id DESC LIMIT $2`,
      [owner, limit],
    )) as { raw: StoredRaw }[];
    return rows.map(({ raw }) => ({
      dnn: raw.dnn,
      density: raw.density,
      ood: raw.ood,
      quality: raw.quality,
    }));
  }

  /** The tenant's most recently indexed images, at most `limit` (idx_images_owner_created). */
  async recentImageIds(owner: string, limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT image_id FROM images WHERE owner_user_id = $1 AND status = 'indexed'
        ORDER BY created_at DESC, image_id DESC LIMIT $2`,
      [owner, limit],
    )) as { image_id: string }[];
    return rows.map((r) => r.image_id.trim());
  }

  /** The state of these jobs (those no longer in the table are left out). */
  async jobStates(jobIds: readonly string[]): Promise<Map<string, string>> {
    if (jobIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(
      `SELECT job_id, state FROM jobs WHERE job_id = ANY($1::bpchar[])`,
      [jobIds],
    )) as { job_id: string; state: string }[];
    return new Map(rows.map((r) => [r.job_id.trim(), r.state]));
  }

  /** Drops the rows of finished jobs of a kind older than this (the scoring passes' bookkeeping). */
  async pruneSucceededJobs(kind: string, olderThanSeconds: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM jobs WHERE state = 'succeeded' AND kind = $1
          AND finished_at < now() - make_interval(secs => $2::double precision)`,
      [kind, olderThanSeconds],
    );
  }

  /** Sorted by the method's score, highest first; `open` = never reviewed. */
  async list(
    owner: string,
    method: ListMethod,
    status: 'open' | 'reviewed',
    cursor: string | undefined,
    limit: number | undefined,
  ): Promise<{ items: ListedScore[]; nextCursor: string | null }> {
    const size = pageSize(limit);
    const column = COLUMN[method];
    const after = cursor ? decode(cursor) : null;
    const rows = (await this.dataSource.query(
      `SELECT s.image_id, s.dnn, s.density, s.ood, s.quality, s.combined, s.raw, s.${column} AS score, rv.verdict
         FROM anomaly_scores s
         LEFT JOIN LATERAL (
           SELECT r.verdict FROM anomaly_reviews r
            WHERE r.owner_user_id = s.owner_user_id AND r.image_id = s.image_id
            ORDER BY r.created_at DESC, r.review_id DESC LIMIT 1) rv ON true
        WHERE s.owner_user_id = $1
          AND (rv.verdict IS ${status === 'open' ? '' : 'NOT '}NULL)
          AND ($2::float8 IS NULL OR (s.${column}, s.image_id) < ($2::float8, $3::text))
        ORDER BY s.${column} DESC, s.image_id DESC
        LIMIT $4`,
      [owner, after?.score ?? null, after?.imageId ?? null, size + 1],
    )) as Row[];
    const items = rows.slice(0, size).map((r) => ({
      imageId: r.image_id.trim(),
      dnn: r.dnn,
      density: r.density,
      ood: r.ood,
      quality: r.quality,
      combined: r.combined,
      raw: r.raw,
      verdict: r.verdict,
      score: r.score,
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > size && last ? encode(last.score, last.imageId) : null };
  }

  async get(owner: string, imageId: string): Promise<ListedScore | null> {
    const rows = (await this.dataSource.query(
      `SELECT image_id, dnn, density, ood, quality, combined, raw, combined AS score, NULL AS verdict
         FROM anomaly_scores WHERE owner_user_id = $1 AND image_id = $2`,
      [owner, imageId],
    )) as Row[];
    const r = rows[0];
    if (!r) return null;
    const latest = await this.reviews.latestFor(owner, [imageId]);
    return {
      ...r,
      imageId: r.image_id.trim(),
      verdict: latest.get(imageId)?.verdict ?? null,
      score: r.combined,
    };
  }

  recordReview(input: {
    ownerUserId: string;
    imageId: string;
    verdict: AnomalyVerdict;
    userId: string;
    score: number | null;
    note: string | null;
  }): Promise<AnomalyReviewEntity> {
    return this.reviews.record({ ...input, method: 'combined' });
  }

  async owners(): Promise<string[]> {
    const rows = (await this.dataSource.query(`SELECT DISTINCT owner_user_id FROM images`)) as {
      owner_user_id: string;
    }[];
    return rows.map((r) => r.owner_user_id);
  }
}
