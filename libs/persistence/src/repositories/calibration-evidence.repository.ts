import type { DataSource } from 'typeorm';
import { requireIds } from './required-ids';

/** The signals of one pair as they were when a reviewer decided on it (imageA < imageB). */
export interface PairSignals {
  imageA: string;
  imageB: string;
  model: string;
  /** Null where a vector was missing. */
  cosine: number | null;
  /** Smallest pHash Hamming distance over the compared variants; null without both hashes. */
  hamming: number | null;
  /** RANSAC inliers of a stored geometric verification; null where the pair was never verified. */
  inliers: number | null;
  verified: boolean | null;
}

/** A duplicate / not-duplicate decision with the signals captured for it (none yet: null). */
export interface DecidedPair {
  imageA: string;
  imageB: string;
  verdict: 'duplicate' | 'not_duplicate';
  signals: PairSignals | null;
}

/** The latest ok/anomaly review of an image with its current anomaly components. */
export interface ReviewedScore {
  imageId: string;
  verdict: 'ok' | 'anomaly';
  dnn: number;
  density: number;
  ood: number;
  quality: number;
  combined: number;
}

const BATCH = 2_000;

/** What threshold calibration fits on: reviewers' decisions with their signals, and reviewed scores. */
export class CalibrationEvidenceRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every duplicate / not-duplicate decision of the tenant (`keep` says nothing about a pair). */
  async decidedPairs(ownerUserId: string): Promise<DecidedPair[]> {
    requireIds({ ownerUserId });
    const rows = (await this.dataSource.query(
      `SELECT d.image_a, d.image_b, d.verdict,
              s.model, s.cosine, s.hamming, s.inliers, s.verified, s.captured_at
         FROM dedup_decisions d
         LEFT JOIN decision_signals s
           ON s.owner_user_id = d.owner_user_id AND s.image_a = d.image_a AND s.image_b = d.image_b
        WHERE d.owner_user_id = $1 AND d.verdict IN ('duplicate', 'not_duplicate')
        ORDER BY d.image_a, d.image_b`,
      [ownerUserId],
    )) as {
      image_a: string;
      image_b: string;
      verdict: DecidedPair['verdict'];
      model: string | null;
      cosine: number | null;
      hamming: number | null;
      inliers: number | null;
      verified: boolean | null;
      captured_at: Date | null;
    }[];
    return rows.map((r) => {
      const imageA = r.image_a.trim();
      const imageB = r.image_b.trim();
      return {
        imageA,
        imageB,
        verdict: r.verdict,
        signals:
          r.captured_at === null
            ? null
            : {
                imageA,
                imageB,
                model: r.model ?? '',
                cosine: r.cosine === null ? null : Number(r.cosine),
                hamming: r.hamming,
                inliers: r.inliers,
                verified: r.verified,
              },
      };
    });
  }

  /** Stores (or replaces) the signals of decided pairs. */
  async saveSignals(ownerUserId: string, rows: readonly PairSignals[]): Promise<void> {
    requireIds({ ownerUserId });
    for (let i = 0; i < rows.length; i += BATCH) {
      const slice = rows.slice(i, i + BATCH);
      await this.dataSource.query(
        `INSERT INTO decision_signals (owner_user_id, image_a, image_b, model, cosine, hamming, inliers, verified)
         SELECT $1, s.a, s.b, s.model, s.cosine, s.hamming, s.inliers, s.verified
           FROM unnest($2::bpchar[], $3::bpchar[], $4::varchar[], $5::float8[], $6::int[], $7::int[], $8::bool[])
             AS s(a, b, model, cosine, hamming, inliers, verified)
         ON CONFLICT (owner_user_id, image_a, image_b) DO UPDATE
           SET model = EXCLUDED.model, cosine = EXCLUDED.cosine, hamming = EXCLUDED.hamming,
               inliers = EXCLUDED.inliers, verified = EXCLUDED.verified, captured_at = now()`,
        [
          ownerUserId,
          slice.map((r) => r.imageA),
          slice.map((r) => r.imageB),
          slice.map((r) => r.model),
          slice.map((r) => r.cosine),
          slice.map((r) => r.hamming),
          slice.map((r) => r.inliers),
          slice.map((r) => r.verified),
        ],
      );
    }
  }

  /** The latest review of every image reviewed ok or anomaly, with the image's stored components. */
  async reviewedScores(ownerUserId: string): Promise<ReviewedScore[]> {
    requireIds({ ownerUserId });
    const rows = (await this.dataSource.query(
      `SELECT r.image_id, r.verdict, s.dnn, s.density, s.ood, s.quality, s.combined
         FROM (SELECT DISTINCT ON (image_id) image_id, verdict
                 FROM anomaly_reviews WHERE owner_user_id = $1
                ORDER BY image_id, created_at DESC, review_id DESC) r
         JOIN anomaly_scores s ON s.owner_user_id = $1 AND s.image_id = r.image_id
        WHERE r.verdict IN ('ok', 'anomaly')
        ORDER BY r.image_id`,
      [ownerUserId],
    )) as {
      image_id: string;
      verdict: ReviewedScore['verdict'];
      dnn: number;
      density: number;
      ood: number;
      quality: number;
      combined: number;
    }[];
    return rows.map((r) => ({
      imageId: r.image_id.trim(),
      verdict: r.verdict,
      dnn: Number(r.dnn),
      density: Number(r.density),
      ood: Number(r.ood),
      quality: Number(r.quality),
      combined: Number(r.combined),
    }));
  }
}
