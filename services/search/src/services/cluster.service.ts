import { Injectable } from '@nestjs/common';
import {
  type Cluster,
  type ClusterSearchRequest,
  type ClusterSearchResponse,
  LookalikeError,
} from '@lookalike/contracts';
import {
  fromImageFilter,
  globalVectorName,
  type StoredPoint,
  type VectorFilter,
} from '@lookalike/vector-store';
import { EmbeddingRepository } from '../repositories/embedding.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import { clusterIndices, cosineDistances, LINKAGES, type Linkage } from './hierarchical-clustering';
import { CANDIDATE_WINDOW, isEmptyFilter, requireOwner } from './search.service';

export const MAX_CLUSTER_POINTS = 5000;
const DEFAULT_CLUSTER_POINTS = 500;

interface Member {
  imageId: string;
  vector: Float32Array;
}

@Injectable()
export class ClusterService {
  constructor(
    private readonly index: VectorIndexRepository,
    private readonly embedding: EmbeddingRepository,
  ) {}

  /**
   * Agglomerative clustering on cosine distance, cut at `threshold`. Every request runs inline:
   * 5000 points take a few seconds (see docs/search.md), inside the subject's 60 s timeout.
   */
  async cluster(req: ClusterSearchRequest): Promise<ClusterSearchResponse> {
    const owner = requireOwner(req.caller);
    const limit = req.limit === 0 ? DEFAULT_CLUSTER_POINTS : req.limit;
    if (!Number.isInteger(limit) || limit < 2 || limit > MAX_CLUSTER_POINTS) {
      throw LookalikeError.invalid(`limit must be an integer from 2 to ${MAX_CLUSTER_POINTS}`, { limit });
    }
    if (req.method !== '' && req.method !== 'agglomerative') {
      throw LookalikeError.invalid('method must be agglomerative', { method: req.method });
    }
    const linkage = (req.linkage || 'average') as Linkage;
    if (!LINKAGES.includes(linkage)) {
      throw LookalikeError.invalid(`linkage must be one of ${LINKAGES.join(', ')}`, { linkage: req.linkage });
    }
    if (!Number.isFinite(req.threshold) || req.threshold < 0 || req.threshold > 2) {
      throw LookalikeError.invalid('threshold must be a cosine distance from 0 to 2', {
        threshold: req.threshold,
      });
    }
    if (req.imageIds.length > limit) {
      throw LookalikeError.invalid(`at most limit (${limit}) image_ids`, { image_ids: req.imageIds.length });
    }
    const description = await this.index.describe();
    if (!description || description.models.length === 0) {
      if (req.imageIds.length > 0) throw LookalikeError.notFound('image', req.imageIds[0]!);
      return { clusters: [], jobId: '' };
    }
    const known = this.embedding.knownModel()?.vectorName;
    const model =
      description.models.find((m) => globalVectorName(m.name) === known) ?? description.models[0]!;
    const vectorName = globalVectorName(model.name);
    const members =
      req.imageIds.length > 0
        ? await this.byIds(owner, req.imageIds, req, vectorName)
        : await this.byFilter(owner, fromImageFilter(req.filter), limit, vectorName);
    return { clusters: this.clustersOf(members, linkage, req.threshold), jobId: '' };
  }

  private async byIds(
    owner: string,
    imageIds: readonly string[],
    req: ClusterSearchRequest,
    vectorName: string,
  ): Promise<Member[]> {
    const wanted = [...new Set(imageIds)];
    const found = await this.scrollAll(owner, { imageIds: wanted }, wanted.length, vectorName);
    const present = new Set(found.map((p) => p.payload.imageId));
    // Another tenant's image answers like a missing one.
    const missing = wanted.find((id) => !present.has(id));
    if (missing) throw LookalikeError.notFound('image', missing);
    const points = isEmptyFilter(req.filter)
      ? found
      : await this.scrollAll(
          owner,
          { ...fromImageFilter(req.filter), imageIds: wanted },
          wanted.length,
          vectorName,
        );
    return this.withVectors(points, vectorName);
  }

  private async byFilter(
    owner: string,
    filter: VectorFilter,
    limit: number,
    vectorName: string,
  ): Promise<Member[]> {
    return this.withVectors(await this.scrollAll(owner, filter, limit, vectorName), vectorName);
  }

  /** Newest first, up to `max` points, with the model's global vector. */
  private async scrollAll(
    owner: string,
    filter: VectorFilter,
    max: number,
    vectorName: string,
  ): Promise<StoredPoint[]> {
    const out: StoredPoint[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.index.scroll(owner, {
        filter,
        cursor,
        limit: Math.min(CANDIDATE_WINDOW, max - out.length),
        orderBy: { field: 'created_at', direction: 'desc' },
        withVectors: [vectorName],
      });
      out.push(...page.points);
      cursor = page.nextCursor;
    } while (cursor && out.length < max);
    return out;
  }

  private withVectors(points: readonly StoredPoint[], vectorName: string): Member[] {
    return points.flatMap((p) => {
      const vector = p.vectors?.[vectorName];
      return vector ? [{ imageId: p.payload.imageId, vector }] : [];
    });
  }

  private clustersOf(members: readonly Member[], linkage: Linkage, threshold: number): Cluster[] {
    const n = members.length;
    const distances = cosineDistances(members.map((m) => m.vector));
    const dist = (i: number, j: number) =>
      i === j ? 0 : i > j ? distances[(i * (i - 1)) / 2 + j]! : distances[(j * (j - 1)) / 2 + i]!;
    const clusters = clusterIndices(distances, n, linkage, threshold).map((indices) => {
      // The medoid: the member with the smallest total distance to the others (ties: lower image id).
      let medoid = indices[0]!;
      let best = Infinity;
      for (const i of indices) {
        let total = 0;
        for (const j of indices) total += dist(i, j);
        if (total < best || (total === best && members[i]!.imageId < members[medoid]!.imageId)) {
          best = total;
          medoid = i;
        }
      }
      const scored = indices
        .map((i) => ({ imageId: members[i]!.imageId, score: 1 - dist(i, medoid) }))
        .sort((a, b) => b.score - a.score || (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0));
      return { representative: members[medoid]!.imageId, members: scored };
    });
    clusters.sort(
      (a, b) =>
        b.members.length - a.members.length ||
        (a.representative < b.representative ? -1 : a.representative > b.representative ? 1 : 0),
    );
    return clusters.map((c) => ({ clusterId: `c_${c.representative}`, ...c }));
  }
}
