import type { DataSource, Repository } from 'typeorm';
import { EmbeddingMapEntity, type MapPoint } from '../entities';
import { requireIds } from './required-ids';

export interface NewEmbeddingMap {
  ownerUserId: string;
  method: string;
  modelName: string;
  totalPoints: number;
  points: MapPoint[];
  jobId: string | null;
}

/** Open image groups as the map colours them: each member's group and the group's tier. */
export interface MapGroupMember {
  imageId: string;
  groupId: string;
  kind: string;
}

/** Each tenant's last embedding map, and the open groups its points are coloured by. */
export class EmbeddingMapRepository {
  private readonly maps: Repository<EmbeddingMapEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.maps = dataSource.getRepository(EmbeddingMapEntity);
  }

  /** Replaces the tenant's map. */
  async save(map: NewEmbeddingMap): Promise<void> {
    requireIds({ ownerUserId: map.ownerUserId });
    await this.dataSource.query(
      `INSERT INTO embedding_maps (owner_user_id, method, model_name, total_points, points, job_id, computed_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, now())
       ON CONFLICT (owner_user_id) DO UPDATE
          SET method = excluded.method, model_name = excluded.model_name, total_points = excluded.total_points,
              points = excluded.points, job_id = excluded.job_id, computed_at = excluded.computed_at`,
      [map.ownerUserId, map.method, map.modelName, map.totalPoints, JSON.stringify(map.points), map.jobId],
    );
  }

  get(ownerUserId: string): Promise<EmbeddingMapEntity | null> {
    requireIds({ ownerUserId });
    return this.maps.findOneBy({ ownerUserId });
  }

  /** Members of the tenant's open image groups, strongest tier first (an image in two keeps the first). */
  async openGroupMembers(ownerUserId: string): Promise<MapGroupMember[]> {
    requireIds({ ownerUserId });
    const rows = (await this.dataSource.query(
      `SELECT m.value->>'imageId' AS image_id, g.group_id, g.kind
         FROM dedup_groups g, jsonb_array_elements(g.members) AS m(value)
        WHERE g.owner_user_id = $1 AND g.media = 'image' AND g.status = 'open'
        ORDER BY CASE g.kind WHEN 'exact' THEN 0 WHEN 'near' THEN 1 ELSE 2 END, g.created_at, g.group_id`,
      [ownerUserId],
    )) as { image_id: string; group_id: string; kind: string }[];
    return rows.map((r) => ({ imageId: r.image_id, groupId: r.group_id.trim(), kind: r.kind }));
  }
}
