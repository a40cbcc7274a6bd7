import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { JobRef, MapRequest, MapResponse } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { JOB_RUNNER, type JobRunner, type RunningJob } from '@lookalike/messaging';
import { EmbeddingMapRepository, JobRepository, type MapPoint } from '@lookalike/persistence';
import { globalVectorName } from '@lookalike/vector-store';
import { EmbeddingRepository } from '../repositories/embedding.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import type { SearchConfig } from '../search.config';
import { requireOwner } from '../services/search.service';
import { seededRandom } from './umap-projection';
import { projectInWorker } from './umap-worker';

export const MAP_JOB_KIND = 'embedding-map';
const PAGE = 1000;
const REDUCED_DIMS = 64;

/** A stable seed per tenant, so the same collection gives the same map. */
function seedOf(owner: string): number {
  let h = 2166136261;
  for (let i = 0; i < owner.length; i += 1) h = Math.imul(h ^ owner.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A seeded uniform sample of at most `k` items of a stream (reservoir sampling, algorithm R),
 * handed back in arrival order; everything when the stream holds k or fewer.
 */
export class Reservoir<T> {
  private readonly items: { at: number; item: T }[] = [];
  private seen = 0;
  private readonly random: () => number;

  constructor(
    private readonly k: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  add(item: T): void {
    const at = this.seen;
    this.seen += 1;
    if (this.items.length < this.k) {
      this.items.push({ at, item });
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.k) this.items[j] = { at, item };
  }

  /** Items offered so far. */
  get total(): number {
    return this.seen;
  }

  sample(): T[] {
    return [...this.items].sort((a, b) => a.at - b.at).map((e) => e.item);
  }
}

/**
 * The embedding map (issue 17, docs/console.md "Overview"): a 2-D UMAP of a tenant's vectors of
 * the active model, computed by a durable `embedding-map` job in a worker thread and kept in SQL
 * until the next one. Beyond SEARCH_MAP_MAX_POINTS the map holds a seeded uniform sample and says
 * so. Points carry their anomaly score and first tag as of the computation; their duplicate group
 * is read when the map is asked for, so reviews show at once.
 */
@Injectable()
export class MapService implements OnModuleInit {
  private readonly logger = new Logger(MapService.name);

  constructor(
    private readonly index: VectorIndexRepository,
    private readonly embedding: EmbeddingRepository,
    private readonly maps: EmbeddingMapRepository,
    private readonly jobs: JobRepository,
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(APP_CONFIG) private readonly config: SearchConfig,
  ) {}

  onModuleInit(): void {
    // One at a time per process: the projection takes a core for tens of seconds.
    this.runner.register(MAP_JOB_KIND, (running) => this.run(running), { concurrency: 1 });
  }

  /** Starts a new map, or answers the one already queued or running for the caller. */
  async start(req: MapRequest): Promise<JobRef> {
    const owner = requireOwner(req.caller);
    const active = await this.activeJob(owner);
    if (active) return { jobId: active };
    const job = await this.runner.submit({
      ownerUserId: owner,
      kind: MAP_JOB_KIND,
      total: 0,
      maxAttempts: 2,
    });
    return { jobId: job.jobId };
  }

  async get(req: MapRequest): Promise<MapResponse> {
    const owner = requireOwner(req.caller);
    const [map, active, members] = await Promise.all([
      this.maps.get(owner),
      this.activeJob(owner),
      this.maps.openGroupMembers(owner),
    ]);
    const empty: MapResponse = {
      status: active ? 'computing' : 'none',
      jobId: active ?? '',
      computedAt: '',
      method: '',
      modelName: '',
      totalPoints: 0,
      sampled: false,
      imageIds: [],
      x: [],
      y: [],
      anomaly: [],
      group: [],
      tag: [],
      groupIds: [],
      groupKinds: [],
    };
    if (!map) return empty;
    const groupOf = new Map<string, number>();
    const groupIds: string[] = [];
    const groupKinds: string[] = [];
    const indexOf = new Map<string, number>();
    for (const m of members) {
      if (groupOf.has(m.imageId)) continue;
      let g = indexOf.get(m.groupId);
      if (g === undefined) {
        g = groupIds.length;
        indexOf.set(m.groupId, g);
        groupIds.push(m.groupId);
        groupKinds.push(m.kind);
      }
      groupOf.set(m.imageId, g);
    }
    const points = map.points;
    return {
      ...empty,
      status: active ? 'computing' : 'ready',
      jobId: active ?? map.jobId?.trim() ?? '',
      computedAt: map.computedAt.toISOString(),
      method: map.method,
      modelName: map.modelName,
      totalPoints: map.totalPoints,
      sampled: map.totalPoints > points.length,
      imageIds: points.map((p) => p.imageId),
      x: points.map((p) => p.x),
      y: points.map((p) => p.y),
      anomaly: points.map((p) => p.anomaly),
      group: points.map((p) => groupOf.get(p.imageId) ?? -1),
      tag: points.map((p) => p.tag),
      groupIds,
      groupKinds,
    };
  }

  private async activeJob(owner: string): Promise<string | undefined> {
    for (const state of ['running', 'queued'] as const) {
      const page = await this.jobs.list(owner, { kind: MAP_JOB_KIND, state, limit: 1 });
      if (page.items[0]) return page.items[0].jobId.trim();
    }
    return undefined;
  }

  /** Reads every point's vector (a page at a time), samples, projects in a worker, saves. */
  private async run({ job, progress, signal }: RunningJob): Promise<Record<string, unknown>> {
    const owner = job.ownerUserId;
    const description = await this.index.describe();
    const known = this.embedding.knownModel()?.vectorName;
    const model =
      description?.models.find((m) => globalVectorName(m.name) === known) ?? description?.models[0];
    if (!model) {
      await this.maps.save({
        ownerUserId: owner,
        method: 'umap',
        modelName: '',
        totalPoints: 0,
        points: [],
        jobId: job.jobId,
      });
      return { points: 0 };
    }
    const vectorName = globalVectorName(model.name);
    const started = performance.now();
    const reservoir = new Reservoir<{ meta: Omit<MapPoint, 'x' | 'y'>; vector: Float32Array }>(
      this.config.SEARCH_MAP_MAX_POINTS,
      seedOf(owner),
    );
    let cursor: string | undefined;
    do {
      const page = await this.index.scroll(owner, { limit: PAGE, cursor, withVectors: [vectorName] });
      for (const point of page.points) {
        const vector = point.vectors?.[vectorName];
        if (!vector) continue;
        reservoir.add({
          meta: {
            imageId: point.payload.imageId,
            anomaly: point.payload.anomalyScore ?? -1,
            tag: point.payload.tags?.[0] ?? '',
          },
          vector,
        });
      }
      cursor = page.nextCursor;
      if (signal.aborted) throw new Error('the map job lost its lease');
    } while (cursor);
    const chosen = reservoir.sample();
    const d = model.dimension;
    const data = new Float32Array(chosen.length * d);
    chosen.forEach((c, row) => data.set(c.vector.subarray(0, d), row * d));
    await progress({ done: 0, total: 100 });
    let reported = 0;
    const xy = await projectInWorker(
      {
        data,
        n: chosen.length,
        d,
        seed: seedOf(owner),
        reducedDims: REDUCED_DIMS,
        nNeighbors: 15,
        minDist: 0.1,
      },
      (done, total) => {
        const pct = Math.floor((100 * done) / Math.max(1, total));
        if (pct >= reported + 5) {
          reported = pct;
          void progress({ done: pct }).catch(() => undefined);
        }
      },
      signal,
    );
    const points: MapPoint[] = chosen.map((c, row) => ({
      ...c.meta,
      x: Math.round(xy[row * 2]! * 1e5) / 1e5,
      y: Math.round(xy[row * 2 + 1]! * 1e5) / 1e5,
    }));
    await this.maps.save({
      ownerUserId: owner,
      method: 'umap',
      modelName: model.name,
      totalPoints: reservoir.total,
      points,
      jobId: job.jobId,
    });
    await progress({ done: 100 });
    const seconds = (performance.now() - started) / 1000;
    this.logger.log(
      { owner, points: points.length, total: reservoir.total, seconds },
      'embedding map computed',
    );
    return {
      points: points.length,
      total: reservoir.total,
      sampled: points.length < reservoir.total,
      seconds,
    };
  }
}
