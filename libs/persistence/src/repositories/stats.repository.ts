import type { DataSource } from 'typeorm';
import type { IngestOutcome } from '../entities';
import { requireIds } from './required-ids';

/** Per-tenant counts the QC statistics are made of (docs/OPERATIONS.md, "QC metrics"). */
export interface TenantCounts {
  owner: string;
  stills: number;
  frames: number;
  videos: number;
  indexed: number;
  failed: number;
  processing: number;
  /** Groups by media, tier and status. */
  groups: { media: string; kind: string; status: string; count: number; members: number }[];
  /** Tier and members key (sorted ids joined by commas) of each open image group. */
  openImageGroups: { kind: string; membersKey: string }[];
  anomalyQueue: { depth: number; oldest: Date | null };
  reviews: { lastHour: number; lastDay: number };
  outcomes: Partial<Record<IngestOutcome, number>>;
}

export interface SeriesPoint {
  t: Date;
  uploads: number;
  duplicateGroups: number;
  reviews: number;
  /** Open groups at the end of the bucket. */
  backlog: number;
}

export interface OutcomeCount {
  ownerUserId: string;
  hour: Date;
  outcome: IngestOutcome;
  count: number;
}

type Row = Record<string, unknown> & { owner_user_id: string };

/** A tenant with nothing counted yet. */
export function emptyTenantCounts(owner: string): TenantCounts {
  return {
    owner,
    stills: 0,
    frames: 0,
    videos: 0,
    indexed: 0,
    failed: 0,
    processing: 0,
    groups: [],
    openImageGroups: [],
    anomalyQueue: { depth: 0, oldest: null },
    reviews: { lastHour: 0, lastDay: 0 },
    outcomes: {},
  };
}

const num = (v: unknown): number => Number(v ?? 0);

/**
 * The SQL behind `GET /api/stats` and the per-tenant QC gauges: counts grouped by tenant (one
 * tenant, or all of them for the metrics), and a tenant's time series. Reviews are reviewers'
 * pair decisions (dedup_decisions, by their last change) and anomaly reviews.
 */
export class StatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Counts for one tenant, or for every tenant holding images or videos when `owner` is absent.
   * `anomalyFlag`: a scored image at or above this combined score and never reviewed is in the
   * anomaly review queue.
   */
  async counts(owner: string | undefined, anomalyFlag: number, outcomesSince: Date): Promise<TenantCounts[]> {
    if (owner !== undefined) requireIds({ owner });
    const who = owner ?? null;
    const q = (sql: string, params: unknown[] = []) =>
      this.dataSource.query(sql, [who, ...params]) as Promise<Row[]>;
    const [images, videos, groups, groupKeys, queue, reviews, anomalyReviews, outcomes] = await Promise.all([
      q(`SELECT owner_user_id,
                count(*) FILTER (WHERE source <> 'video') AS stills,
                count(*) FILTER (WHERE source = 'video') AS frames,
                count(*) FILTER (WHERE status = 'indexed') AS indexed,
                count(*) FILTER (WHERE status = 'failed') AS failed,
                count(*) FILTER (WHERE status NOT IN ('indexed', 'failed', 'deleting')) AS processing
           FROM images WHERE ($1::text IS NULL OR owner_user_id = $1) AND status <> 'deleting'
          GROUP BY owner_user_id`),
      q(`SELECT owner_user_id, count(*) AS videos FROM videos
          WHERE ($1::text IS NULL OR owner_user_id = $1) AND status <> 'deleting' GROUP BY owner_user_id`),
      q(`SELECT owner_user_id, media, kind, status, count(*) AS count,
                sum(jsonb_array_length(members)) AS members
           FROM dedup_groups WHERE ($1::text IS NULL OR owner_user_id = $1)
          GROUP BY owner_user_id, media, kind, status`),
      q(`SELECT owner_user_id, kind, members_key FROM dedup_groups
          WHERE ($1::text IS NULL OR owner_user_id = $1) AND media = 'image' AND status = 'open'`),
      q(
        `SELECT s.owner_user_id, count(*) AS depth, min(s.computed_at) AS oldest
           FROM anomaly_scores s
          WHERE ($1::text IS NULL OR s.owner_user_id = $1) AND s.combined >= $2
            AND NOT EXISTS (SELECT 1 FROM anomaly_reviews r
                             WHERE r.owner_user_id = s.owner_user_id AND r.image_id = s.image_id)
          GROUP BY s.owner_user_id`,
        [anomalyFlag],
      ),
      q(`SELECT owner_user_id,
                count(*) FILTER (WHERE updated_at > now() - interval '1 hour') AS hour,
                count(*) FILTER (WHERE updated_at > now() - interval '1 day') AS day
           FROM dedup_decisions
          WHERE ($1::text IS NULL OR owner_user_id = $1) AND updated_at > now() - interval '1 day'
          GROUP BY owner_user_id`),
      q(`SELECT owner_user_id,
                count(*) FILTER (WHERE created_at > now() - interval '1 hour') AS hour,
                count(*) FILTER (WHERE created_at > now() - interval '1 day') AS day
           FROM anomaly_reviews
          WHERE ($1::text IS NULL OR owner_user_id = $1) AND created_at > now() - interval '1 day'
          GROUP BY owner_user_id`),
      q(
        `SELECT owner_user_id, outcome, sum(count) AS count FROM ingest_outcomes
          WHERE ($1::text IS NULL OR owner_user_id = $1) AND hour >= $2
          GROUP BY owner_user_id, outcome`,
        [outcomesSince],
      ),
    ]);
    const byOwner = new Map<string, TenantCounts>();
    const of = (id: string): TenantCounts => {
      const key = id.trim();
      let c = byOwner.get(key);
      if (!c) {
        c = emptyTenantCounts(key);
        byOwner.set(key, c);
      }
      return c;
    };
    if (owner !== undefined) of(owner);
    for (const r of images) {
      Object.assign(of(r.owner_user_id), {
        stills: num(r.stills),
        frames: num(r.frames),
        indexed: num(r.indexed),
        failed: num(r.failed),
        processing: num(r.processing),
      });
    }
    for (const r of videos) of(r.owner_user_id).videos = num(r.videos);
    for (const r of groups) {
      of(r.owner_user_id).groups.push({
        media: String(r.media),
        kind: String(r.kind),
        status: String(r.status),
        count: num(r.count),
        members: num(r.members),
      });
    }
    for (const r of groupKeys) {
      of(r.owner_user_id).openImageGroups.push({ kind: String(r.kind), membersKey: String(r.members_key) });
    }
    for (const r of queue) {
      of(r.owner_user_id).anomalyQueue = {
        depth: num(r.depth),
        oldest: r.oldest ? new Date(String(r.oldest)) : null,
      };
    }
    for (const r of [...reviews, ...anomalyReviews]) {
      const c = of(r.owner_user_id);
      c.reviews.lastHour += num(r.hour);
      c.reviews.lastDay += num(r.day);
    }
    for (const r of outcomes) of(r.owner_user_id).outcomes[r.outcome as IngestOutcome] = num(r.count);
    // Only tenants with something stored (a tenant of outcomes alone is all refusals: kept too).
    return [...byOwner.values()];
  }

  /**
   * A tenant's time series over [from, to) in buckets of `stepSeconds`: uploads (stills and
   * videos), duplicate groups found, reviews, and the open groups at the end of each bucket.
   */
  async series(owner: string, from: Date, to: Date, stepSeconds: number): Promise<SeriesPoint[]> {
    requireIds({ owner });
    const rows = (await this.dataSource.query(
      `WITH buckets AS (
         SELECT t, t + make_interval(secs => $4::double precision) AS e
           FROM generate_series($2::timestamptz, $3::timestamptz - make_interval(secs => 0.001),
                                make_interval(secs => $4::double precision)) AS t)
       SELECT b.t,
              (SELECT count(*) FROM images i WHERE i.owner_user_id = $1 AND i.source <> 'video'
                  AND i.created_at >= b.t AND i.created_at < b.e)
            + (SELECT count(*) FROM videos v WHERE v.owner_user_id = $1
                  AND v.created_at >= b.t AND v.created_at < b.e) AS uploads,
              (SELECT count(*) FROM dedup_groups g WHERE g.owner_user_id = $1
                  AND g.created_at >= b.t AND g.created_at < b.e) AS duplicate_groups,
              (SELECT count(*) FROM dedup_decisions d WHERE d.owner_user_id = $1
                  AND d.updated_at >= b.t AND d.updated_at < b.e)
            + (SELECT count(*) FROM anomaly_reviews r WHERE r.owner_user_id = $1
                  AND r.created_at >= b.t AND r.created_at < b.e) AS reviews,
              (SELECT count(*) FROM dedup_groups g WHERE g.owner_user_id = $1 AND g.created_at < b.e
                  AND (g.resolved_at IS NULL OR g.resolved_at >= b.e)) AS backlog
         FROM buckets b ORDER BY b.t`,
      [owner, from, to, stepSeconds],
    )) as Record<string, unknown>[];
    return rows.map((r) => ({
      t: new Date(String(r.t)),
      uploads: num(r.uploads),
      duplicateGroups: num(r.duplicate_groups),
      reviews: num(r.reviews),
      backlog: num(r.backlog),
    }));
  }

  /** Adds upload outcomes (per tenant, hour and outcome), in one statement. */
  async addOutcomes(counts: readonly OutcomeCount[]): Promise<void> {
    if (counts.length === 0) return;
    const values: string[] = [];
    const params: unknown[] = [];
    counts.forEach((c, i) => {
      values.push(`($${i * 4 + 1}, $${i * 4 + 2}::timestamptz, $${i * 4 + 3}, $${i * 4 + 4}::bigint)`);
      params.push(c.ownerUserId, c.hour, c.outcome, c.count);
    });
    await this.dataSource.query(
      `INSERT INTO ingest_outcomes (owner_user_id, hour, outcome, count) VALUES ${values.join(', ')}
       ON CONFLICT (owner_user_id, hour, outcome) DO UPDATE SET count = ingest_outcomes.count + excluded.count`,
      params,
    );
  }

  /** The tenants holding the most images (stills and frames), largest first. */
  async largestTenants(limit: number): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `SELECT owner_user_id FROM images GROUP BY owner_user_id ORDER BY count(*) DESC, owner_user_id LIMIT $1`,
      [limit],
    )) as Row[];
    return rows.map((r) => r.owner_user_id.trim());
  }
}
