import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type Cluster,
  type ClusterSearchRequest,
  type ClusterSearchResponse,
  LookalikeError,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { JOB_RUNNER, type JobRunner, type RunningJob } from '@lookalike/messaging';
import {
  fromImageFilter,
  globalVectorName,
  type StoredPoint,
  type VectorFilter,
} from '@lookalike/vector-store';
import { EmbeddingRepository } from '../repositories/embedding.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import type { SearchConfig } from '../search.config';
import {
  CLUSTER_JOB_KIND,
  clusterJobPayload,
  clusterJobResult,
  clusterQueryOf,
  type ClusterQuery,
} from './cluster-job';
import { clusterIndices, cosineDistances, LINKAGES, type Linkage } from './hierarchical-clustering';
import { CANDIDATE_WINDOW, isEmptyFilter, requireOwner } from './search.service';

export const MAX_CLUSTER_POINTS = 5000;
const DEFAULT_CLUSTER_POINTS = 500;

interface Member {
  imageId: string;
  vector: Float32Array;
}

interface ReadOptions {
  /** Inline and at submission an unknown id is a 404; a job leaves out images deleted since. */
  requireAll: boolean;
  /** Called with the points read so far after every page of the read that yields the members. */
  onPage?: (read: number) => Promise<void>;
}

@Injectable()
export class ClusterService implements OnModuleInit {
  constructor(
    private readonly index: VectorIndexRepository,
    private readonly embedding: EmbeddingRepository,
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(APP_CONFIG) private readonly config: SearchConfig,
  ) {}

  onModuleInit(): void {
    // One at a time per process: the distance matrix is CPU-bound and up to 100 MB.
    this.runner.register(CLUSTER_JOB_KIND, (running) => this.runJob(running), { concurrency: 1 });
  }

  /**
   * Agglomerative clustering on cosine distance, cut at `threshold`. Up to SEARCH_CLUSTER_INLINE_MAX
   * points (image_ids, or `limit` for a filter) are answered inline; larger requests, and any with
   * `async`, are validated here and then run as a durable `cluster` job whose id is returned.
   */
  async cluster(req: ClusterSearchRequest): Promise<ClusterSearchResponse> {
    const owner = requireOwner(req.caller);
    const query = await this.validate(req);
    const points = req.imageIds.length > 0 ? req.imageIds.length : query.limit;
    if (!req.async && points <= this.config.SEARCH_CLUSTER_INLINE_MAX) {
      return { clusters: await this.compute(owner, query, { requireAll: true }), jobId: '' };
    }
    // Unknown and foreign ids answer 404 now, not as a failed job.
    if (query.imageIds.length > 0 && query.vectorName) await this.requireOwned(owner, query.imageIds);
    const job = await this.runner.submit({
      ownerUserId: owner,
      kind: CLUSTER_JOB_KIND,
      payload: clusterJobPayload(query),
      total: points,
      maxAttempts: 3,
    });
    return { clusters: [], jobId: job.jobId };
  }

  /** The work of a cluster job: pure reads and arithmetic, so a replay just recomputes. */
  async runJob(running: RunningJob): Promise<Record<string, unknown>> {
    const query = clusterQueryOf(running.job.payload);
    let read = 0;
    const clusters = await this.compute(running.job.ownerUserId, query, {
      requireAll: false,
      onPage: async (count) => {
        read = count;
        await running.progress({ done: count });
      },
    });
    // A filter may match fewer images than `limit`: the job is as large as what was read.
    await running.progress({ done: read, total: read });
    return clusterJobResult(clusters);
  }

  private async validate(req: ClusterSearchRequest): Promise<ClusterQuery> {
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
    const query = {
      imageIds: [...new Set(req.imageIds)],
      filter: isEmptyFilter(req.filter) ? undefined : req.filter,
      limit,
      linkage,
      threshold: req.threshold,
    };
    const description = await this.index.describe();
    if (!description || description.models.length === 0) {
      if (query.imageIds.length > 0) throw LookalikeError.notFound('image', query.imageIds[0]!);
      return { ...query, vectorName: '' };
    }
    const known = this.embedding.knownModel()?.vectorName;
    const model =
      description.models.find((m) => globalVectorName(m.name) === known) ?? description.models[0]!;
    return { ...query, vectorName: globalVectorName(model.name) };
  }

  private async requireOwned(owner: string, imageIds: string[]): Promise<void> {
    requireAllFound(imageIds, await this.scrollAll(owner, { imageIds }, imageIds.length, false));
  }

  private async compute(owner: string, query: ClusterQuery, options: ReadOptions): Promise<Cluster[]> {
    if (!query.vectorName) return [];
    const members =
      query.imageIds.length > 0
        ? await this.byIds(owner, query, options)
        : await this.byFilter(owner, query, options);
    return this.clustersOf(members, query.linkage, query.threshold);
  }

  private async byIds(owner: string, query: ClusterQuery, options: ReadOptions): Promise<Member[]> {
    const wanted = query.imageIds;
    const read = (filter: VectorFilter) =>
      this.scrollAll(owner, filter, wanted.length, query.vectorName, options.onPage);
    if (!query.filter) {
      const found = await read({ imageIds: wanted });
      if (options.requireAll) requireAllFound(wanted, found);
      return this.withVectors(found, query.vectorName);
    }
    if (options.requireAll) await this.requireOwned(owner, wanted);
    return this.withVectors(
      await read({ ...fromImageFilter(query.filter), imageIds: wanted }),
      query.vectorName,
    );
  }

  private async byFilter(owner: string, query: ClusterQuery, options: ReadOptions): Promise<Member[]> {
    const filter = fromImageFilter(query.filter);
    const points = await this.scrollAll(owner, filter, query.limit, query.vectorName, options.onPage);
    return this.withVectors(points, query.vectorName);
  }

  /** Newest first, up to `max` points, with the model's global vector when one is named. */
  private async scrollAll(
    owner: string,
    filter: VectorFilter,
    max: number,
    vectorName: string | false,
    onPage?: (read: number) => Promise<void>,
  ): Promise<StoredPoint[]> {
    const out: StoredPoint[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.index.scroll(owner, {
        filter,
        cursor,
        limit: Math.min(CANDIDATE_WINDOW, max - out.length),
        orderBy: { field: 'created_at', direction: 'desc' },
        withVectors: vectorName ? [vectorName] : false,
      });
      out.push(...page.points);
      cursor = page.nextCursor;
      await onPage?.(out.length);
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

function requireAllFound(wanted: readonly string[], found: readonly StoredPoint[]): void {
  const present = new Set(found.map((p) => p.payload.imageId));
  // Another tenant's image answers like a missing one.
  const missing = wanted.find((id) => !present.has(id));
  if (missing) throw LookalikeError.notFound('image', missing);
}
