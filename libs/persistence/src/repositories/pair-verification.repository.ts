import type { DataSource } from 'typeorm';
import { requireIds } from './required-ids';

/** One pair's stored verification: imageA < imageB, the evidence from imageA to imageB. */
export interface StoredPairVerification<G> {
  imageA: string;
  imageB: string;
  verified: boolean;
  geometry: G;
}

/** Pairs per statement: a sweep reads and writes hundreds of thousands. */
const BATCH = 2_000;

/**
 * Geometric verifications by pair, so that each pair is matched once however many sweeps, checks
 * and restarts ask for it. Rows are keyed by (owner, imageA, imageB) with imageA < imageB; a row of
 * another `method` (other features or rule) does not answer and is replaced when the pair is
 * verified again.
 */
export class PairVerificationRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The stored verifications among `pairs` (each imageA < imageB) made by `method`. */
  async find<G>(
    ownerUserId: string,
    method: string,
    pairs: ReadonlyArray<readonly [string, string]>,
  ): Promise<StoredPairVerification<G>[]> {
    requireIds({ ownerUserId, method });
    const out: StoredPairVerification<G>[] = [];
    for (let i = 0; i < pairs.length; i += BATCH) {
      const slice = pairs.slice(i, i + BATCH);
      const rows = (await this.dataSource.query(
        `SELECT v.image_a, v.image_b, v.verified, v.geometry
           FROM pair_verifications v
           JOIN unnest($3::bpchar[], $4::bpchar[]) AS p(a, b) ON v.image_a = p.a AND v.image_b = p.b
          WHERE v.owner_user_id = $1 AND v.method = $2`,
        [ownerUserId, method, slice.map(([a]) => a), slice.map(([, b]) => b)],
      )) as { image_a: string; image_b: string; verified: boolean; geometry: G }[];
      for (const r of rows) {
        out.push({
          imageA: r.image_a.trim(),
          imageB: r.image_b.trim(),
          verified: r.verified,
          geometry: r.geometry,
        });
      }
    }
    return out;
  }

  /** Stores verifications (each imageA < imageB), replacing any earlier row of the pair. */
  async save<G>(
    ownerUserId: string,
    method: string,
    rows: ReadonlyArray<StoredPairVerification<G>>,
  ): Promise<void> {
    requireIds({ ownerUserId, method });
    for (let i = 0; i < rows.length; i += BATCH) {
      const slice = rows.slice(i, i + BATCH);
      await this.dataSource.query(
        `INSERT INTO pair_verifications (owner_user_id, image_a, image_b, method, verified, geometry)
         SELECT $1, p.a, p.b, $2, p.verified, p.geometry::jsonb
           FROM unnest($3::bpchar[], $4::bpchar[], $5::boolean[], $6::text[]) AS p(a, b, verified, geometry)
         ON CONFLICT (owner_user_id, image_a, image_b) DO UPDATE
            SET method = excluded.method, verified = excluded.verified, geometry = excluded.geometry,
                created_at = now()`,
        [
          ownerUserId,
          method,
          slice.map((r) => r.imageA),
          slice.map((r) => r.imageB),
          slice.map((r) => r.verified),
          slice.map((r) => JSON.stringify(r.geometry)),
        ],
      );
    }
  }

  /** Drops the rows of pairs that hold any of these images (deleted images). */
  async forgetImages(ownerUserId: string, imageIds: readonly string[]): Promise<number> {
    if (imageIds.length === 0) return 0;
    const result = (await this.dataSource.query(
      `DELETE FROM pair_verifications
        WHERE owner_user_id = $1 AND (image_a = ANY($2::bpchar[]) OR image_b = ANY($2::bpchar[]))`,
      [ownerUserId, imageIds],
    )) as [unknown[], number];
    return result[1];
  }
}
