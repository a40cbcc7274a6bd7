import { Inject, Injectable } from '@nestjs/common';
import { DATA_SOURCE } from '@lookalike/persistence';
import type { DataSource } from 'typeorm';

export interface ImageRef {
  imageId: string;
  ownerUserId: string;
  sha256: string;
  status: string;
  key: string;
  thumb256Key: string | null;
  thumb1024Key: string | null;
}

/** Whole-table reads across tenants that only the reconciler needs. */
@Injectable()
export class ReconciliationRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async owners(): Promise<string[]> {
    const rows = (await this.dataSource.query('SELECT DISTINCT owner_user_id FROM images ORDER BY 1')) as {
      owner_user_id: string;
    }[];
    return rows.map((r) => r.owner_user_id);
  }

  /** One owner's rows by image id, `after` exclusive (keyset pages). */
  async page(ownerUserId: string, after: string, limit: number): Promise<ImageRef[]> {
    const rows = (await this.dataSource.query(
      `SELECT image_id, owner_user_id, sha256, status, object_key, thumb_256_key, thumb_1024_key
         FROM images WHERE owner_user_id = $1 AND image_id > $2 ORDER BY image_id LIMIT $3`,
      [ownerUserId, after, limit],
    )) as Record<string, string | null>[];
    return rows.map((r) => ({
      imageId: String(r.image_id),
      ownerUserId: String(r.owner_user_id),
      sha256: String(r.sha256),
      status: String(r.status),
      key: String(r.object_key),
      thumb256Key: r.thumb_256_key,
      thumb1024Key: r.thumb_1024_key,
    }));
  }
}
