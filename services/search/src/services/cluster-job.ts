import { ImageFilter, LookalikeError, type Cluster } from '@lookalike/contracts';
import { LINKAGES, type Linkage } from './hierarchical-clustering';

/** The `kind` of a cluster job's row in the shared `jobs` table. */
export const CLUSTER_JOB_KIND = 'cluster';

/**
 * A cluster request after validation: what the inline answer and the job both compute from. A
 * job's payload holds it as JSON; the tenant is the job row's owner.
 */
export type ClusterQuery = {
  /** Distinct ids, in request order; empty for a filter request. */
  imageIds: string[];
  filter?: ImageFilter;
  limit: number;
  linkage: Linkage;
  threshold: number;
  /** The active model's global vector, chosen when the request came in; '' when the index is empty. */
  vectorName: string;
};

export function clusterJobPayload(query: ClusterQuery): Record<string, unknown> {
  return { ...query };
}

/** Reads a payload written by clusterJobPayload; a malformed one fails the job for good. */
export function clusterQueryOf(payload: Record<string, unknown>): ClusterQuery {
  const { imageIds, filter, limit, linkage, threshold, vectorName } = payload;
  if (
    !Array.isArray(imageIds) ||
    !imageIds.every((id) => typeof id === 'string') ||
    typeof limit !== 'number' ||
    !LINKAGES.includes(linkage as Linkage) ||
    typeof threshold !== 'number' ||
    typeof vectorName !== 'string'
  ) {
    throw LookalikeError.invalid('the cluster job payload is malformed', { keys: Object.keys(payload) });
  }
  return {
    imageIds: imageIds as string[],
    filter:
      typeof filter === 'object' && filter !== null
        ? ImageFilter.fromPartial(filter as ImageFilter)
        : undefined,
    limit,
    linkage: linkage as Linkage,
    threshold,
    vectorName,
  };
}

/**
 * The job's result in the shape the REST API gives the inline answer; GET /api/jobs/{id} passes it
 * through as `result`. Scores are rounded to float32 as the inline answer's proto field rounds
 * them, so both paths give the same numbers.
 */
export function clusterJobResult(clusters: readonly Cluster[]): Record<string, unknown> {
  return {
    clusters: clusters.map((c) => ({
      cluster_id: c.clusterId,
      representative: c.representative,
      members: c.members.map((m) => ({ image_id: m.imageId, score: Math.fround(m.score) })),
    })),
  };
}
