import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import type { StoredPoint } from '@lookalike/vector-store';
import type { AnomalyConfig } from '../anomaly.config';
import {
  centroidOf,
  combine,
  mergeNeighbours,
  rawScores,
  referenceStats,
  scaleComponents,
  type RawScores,
  type ReferenceStats,
  type StoredNeighbour,
  type StoredRaw,
  type Weights,
} from '../domain/anomaly-scoring';
import type { PendingImage } from '../domain/score-backlog';
import { scoreLagHistogram, scorePassHistograms } from '../metrics/anomaly.metrics';
import { AnomalyStoreRepository, type ScoreRow } from '../repositories/anomaly-store.repository';
import { payloadScore, VectorIndexRepository } from '../repositories/vector-index.repository';
import { AnomalyWeightsService, type TenantWeights } from './anomaly-weights.service';
import { ScoreWriterService } from './score-writer.service';

/** What the ingest-time scores are measured against: the tenant's centroid and score spread. */
interface Reference {
  model: string;
  centroid: Float32Array | undefined;
  stats: ReferenceStats;
  /** The raw scores behind `stats` while there are too few to scale against alone (a new tenant). */
  raws: RawScores[];
  at: number;
  /** New images scored against it since it was built. */
  scoredSince: number;
}

export interface RecomputeSummary {
  images: number;
  model: string | null;
  ms: number;
}

export interface PassSummary {
  /** New images scored. */
  scored: number;
  /** Images already scored whose kNN list the new ones entered, re-scored with them. */
  neighbours: number;
  /** Points whose payload score changed (written with the next flush). */
  payloadChanges: number;
  ms: number;
}

const WRITE_BATCH = 500;
/** A reference of fewer raw scores is widened with the batch being scored. */
const MIN_REFERENCE = 20;
/** A reference is rebuilt once the tenant has grown by this many images or by its own size. */
const REFRESH_GROWTH = 32;

function neighboursOf(list: { id: string; score: number }[]): StoredNeighbour[] {
  return list.map((n) => ({ id: n.id, s: n.score }));
}

/**
 * Computes the scores: the whole tenant (the recompute job), or a batch of new images and the
 * images whose neighbourhoods they entered (the ingest-time scoring queue, `scoreImages`).
 */
@Injectable()
export class AnomalyScoringService {
  private readonly logger = new Logger(AnomalyScoringService.name);
  /** Per tenant: the centroid and spread an ingest-time score is measured against. */
  private readonly references = new Map<string, Reference>();
  private readonly building = new Map<string, Promise<Reference>>();
  private readonly lag = scoreLagHistogram();
  private readonly pass = scorePassHistograms();

  constructor(
    private readonly index: VectorIndexRepository,
    private readonly store: AnomalyStoreRepository,
    private readonly writer: ScoreWriterService,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
    // The tenant's applied weights, else ANOMALY_WEIGHTS (docs/quality-loop.md).
    @Inject(AnomalyWeightsService) private readonly weights: TenantWeights,
  ) {}

  /**
   * Every image of the tenant: one pass for the centroid, one batched kNN for the neighbour
   * scores, medians over the tenant, then components, combination, SQL and payload. It keeps each
   * image's kNN list with its raw scores, for the incremental updates of later uploads.
   */
  async recompute(
    owner: string,
    progress?: (done: number, total: number) => Promise<void>,
  ): Promise<RecomputeSummary> {
    const started = Date.now();
    const model = await this.index.activeModel(this.config.ANOMALY_MODEL);
    if (!model) return { images: 0, model: null, ms: Date.now() - started };
    const points: StoredPoint[] = [];
    for await (const page of this.index.allPoints(owner, model)) points.push(...page);
    const withVector = points.filter((p) => VectorIndexRepository.vectorOf(p, model));
    const centroid = centroidOf(
      withVector.map((p) => VectorIndexRepository.vectorOf(p, model) as Float32Array),
    );
    await progress?.(0, withVector.length);
    const lists = new Map(
      (await this.index.neighbours(owner, model, this.config.ANOMALY_K)).map((l) => [
        l.id,
        neighboursOf(l.neighbours),
      ]),
    );
    const raws: StoredRaw[] = withVector.map((p) => {
      const knn = mergeNeighbours([], lists.get(p.id) ?? [], this.config.ANOMALY_K);
      return {
        ...rawScores(
          knn.map((n) => n.s),
          VectorIndexRepository.vectorOf(p, model),
          centroid,
          p.payload.qualityScore ?? 0,
        ),
        knn,
      };
    });
    const stats = referenceStats(raws);
    this.references.set(owner, { model, centroid, stats, raws: [], at: Date.now(), scoredSince: 0 });
    const weights = await this.weights.weightsFor(owner);
    const rows = withVector.map((p, i) => this.row(p, raws[i], stats, weights));
    for (let i = 0; i < rows.length; i += WRITE_BATCH) {
      await this.store.upsert(owner, rows.slice(i, i + WRITE_BATCH));
      await progress?.(Math.min(rows.length, i + WRITE_BATCH), rows.length);
    }
    // Payload scores buffered by earlier passes are older than these.
    this.writer.discard(owner);
    await this.index.setAnomalyScores(owner, new Map(withVector.map((p, i) => [p.id, rows[i].combined])));
    await this.store.dropOthers(
      owner,
      rows.map((r) => r.imageId),
    );
    const summary = { images: rows.length, model, ms: Date.now() - started };
    this.logger.log(`anomaly recompute of ${owner}: ${JSON.stringify(summary)}`);
    return summary;
  }

  /** One image now (a review of an image that has no score yet); false when it is not in the index. */
  async scoreImage(owner: string, imageId: string): Promise<boolean> {
    return (await this.scoreImages(owner, [{ imageId, at: Date.now() }])).scored > 0;
  }

  /**
   * One pass over a batch of a tenant's new images, reading only around them: the points with
   * their vectors (one read), their k nearest neighbours (one batched kNN call), the payloads of
   * those neighbours (one read) and the last scores of all of them (SQL by key). A new image gets
   * all four components against the tenant's cached reference. Each neighbour it entered keeps
   * its stored kNN list with the new cosine merged in, so its dnn and density follow without a
   * search (a neighbour scored before lists were kept is asked from the index once). SQL gets the
   * scores now; the payload scores that changed enough go to the writer's next flush.
   */
  async scoreImages(owner: string, images: readonly PendingImage[]): Promise<PassSummary> {
    const started = Date.now();
    const none: PassSummary = { scored: 0, neighbours: 0, payloadChanges: 0, ms: 0 };
    const model = await this.index.activeModel(this.config.ANOMALY_MODEL);
    if (!model || images.length === 0) return none;
    const arrivalOf = new Map(images.map((im) => [im.imageId, im.at]));
    const points = (await this.index.findByImageIds(owner, [...arrivalOf.keys()], model)).filter((p) =>
      VectorIndexRepository.vectorOf(p, model),
    );
    if (points.length === 0) return { ...none, ms: Date.now() - started };
    const k = this.config.ANOMALY_K;
    const own = new Map(
      (
        await this.index.neighbours(
          owner,
          model,
          k,
          points.map((p) => p.id),
        )
      ).map((l) => [l.id, neighboursOf(l.neighbours)]),
    );
    const batch = new Set(points.map((p) => p.id));
    const gained = new Map<string, StoredNeighbour[]>();
    for (const p of points) {
      for (const n of own.get(p.id) ?? []) {
        if (batch.has(n.id)) continue;
        const list = gained.get(n.id) ?? [];
        list.push({ id: p.id, s: n.s });
        gained.set(n.id, list);
      }
    }
    const peers = await this.index.get(owner, [...gained.keys()]);
    const previous = await this.store.previous(owner, [
      ...points.map((p) => p.payload.imageId),
      ...peers.map((p) => p.payload.imageId),
    ]);
    const unlisted = peers.filter((p) => !previous.get(p.payload.imageId)?.raw.knn);
    const unlistedLists =
      unlisted.length > 0
        ? new Map(
            (
              await this.index.neighbours(
                owner,
                model,
                k,
                unlisted.map((p) => p.id),
              )
            ).map((l) => [l.id, neighboursOf(l.neighbours)]),
          )
        : new Map<string, StoredNeighbour[]>();
    const unscored = unlisted.filter((p) => !previous.has(p.payload.imageId)).map((p) => p.id);
    const unscoredVectors = new Map(
      (await this.index.get(owner, unscored, model)).map((p) => [
        p.id,
        VectorIndexRepository.vectorOf(p, model),
      ]),
    );
    const reference = await this.reference(owner, model);
    const scored: { point: StoredPoint; raw: StoredRaw; arrived?: number }[] = points.map((p) => {
      const knn = mergeNeighbours([], own.get(p.id) ?? [], k);
      const raw = rawScores(
        knn.map((n) => n.s),
        VectorIndexRepository.vectorOf(p, model),
        reference.centroid,
        p.payload.qualityScore ?? 0,
      );
      return { point: p, raw: { ...raw, knn }, arrived: arrivalOf.get(p.payload.imageId) };
    });
    for (const p of peers) {
      const before = previous.get(p.payload.imageId)?.raw;
      if (before?.knn) {
        const knn = mergeNeighbours(before.knn, gained.get(p.id) ?? [], k);
        const { dnn, density } = rawScores(
          knn.map((n) => n.s),
          undefined,
          undefined,
          0,
        );
        scored.push({ point: p, raw: { ...before, dnn, density, knn } });
      } else {
        const knn = mergeNeighbours(unlistedLists.get(p.id) ?? [], [], k);
        const raw = rawScores(
          knn.map((n) => n.s),
          unscoredVectors.get(p.id),
          reference.centroid,
          p.payload.qualityScore ?? 0,
        );
        scored.push({ point: p, raw: { ...raw, ood: before ? before.ood : raw.ood, knn } });
      }
    }
    const stats =
      reference.stats.count >= MIN_REFERENCE
        ? reference.stats
        : referenceStats([...reference.raws, ...scored.map((s) => s.raw)]);
    const weights = await this.weights.weightsFor(owner);
    const rows = scored.map((s) => this.row(s.point, s.raw, stats, weights));
    await this.store.upsert(owner, rows);

    // The payload: only scores whose rounded value differs from what the payload holds or is
    // about to get (a new image's payload holds the 0 ingest wrote).
    const changed = new Map<string, number>();
    const arrivals = new Map<string, number>();
    const now = Date.now();
    rows.forEach((row, i) => {
      const { point, arrived } = scored[i];
      if (arrived !== undefined) this.lag.observe((now - arrived) / 1000);
      const value = payloadScore(row.combined);
      const current = payloadScore(this.writer.latest(owner, point.id) ?? point.payload.anomalyScore ?? 0);
      if (value !== current) {
        changed.set(point.id, row.combined);
        if (arrived !== undefined) arrivals.set(point.id, arrived);
      }
    });
    this.writer.stage(owner, changed, arrivals);

    reference.scoredSince += points.length;
    if (this.stale(reference)) this.refreshLater(owner, model);
    const summary = {
      scored: points.length,
      neighbours: peers.length,
      payloadChanges: changed.size,
      ms: Date.now() - started,
    };
    this.pass.seconds.observe(summary.ms / 1000);
    this.pass.images.observe(summary.scored);
    return summary;
  }

  /** Waits for reference rebuilds in the background and writes the buffered payload scores (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.building.size > 0) await Promise.allSettled([...this.building.values()]);
    await this.writer.flushAll();
  }

  private row(point: StoredPoint, raw: StoredRaw, stats: ReferenceStats, weights: Weights): ScoreRow {
    const components = scaleComponents(raw, stats);
    return {
      imageId: point.payload.imageId,
      ...components,
      combined: combine(components, weights),
      raw,
    };
  }

  /**
   * The tenant's cached reference. None yet (a new tenant, or a restarted process): a bounded
   * sample builds one now. Older than ANOMALY_REFERENCE_TTL_S, or outgrown by the tenant: it is
   * rebuilt in the background and this pass uses the cached one. Never a read of the whole tenant.
   */
  private async reference(owner: string, model: string): Promise<Reference> {
    const cached = this.references.get(owner);
    if (cached && cached.model === model) {
      if (this.stale(cached)) this.refreshLater(owner, model);
      return cached;
    }
    return this.sample(owner, model);
  }

  private stale(reference: Reference): boolean {
    return (
      Date.now() - reference.at >= this.config.ANOMALY_REFERENCE_TTL_S * 1000 ||
      reference.scoredSince >= Math.max(REFRESH_GROWTH, reference.stats.count)
    );
  }

  private refreshLater(owner: string, model: string): void {
    if (this.building.has(owner)) return;
    this.sample(owner, model).catch((err: unknown) =>
      this.logger.warn({ owner, err: String(err) }, 'anomaly reference refresh failed; the cached one stays'),
    );
  }

  /**
   * A reference from a bounded sample: the centroid of the ANOMALY_REFERENCE_SAMPLE most recent
   * images' vectors and the spread of their raw scores (both read by key or index order).
   */
  private sample(owner: string, model: string): Promise<Reference> {
    let pending = this.building.get(owner);
    if (!pending) {
      pending = (async () => {
        const size = this.config.ANOMALY_REFERENCE_SAMPLE;
        const ids = await this.store.recentImageIds(owner, size);
        const points = await this.index.findByImageIds(owner, ids, model);
        const vectors = points.flatMap((p) => {
          const v = VectorIndexRepository.vectorOf(p, model);
          return v ? [v] : [];
        });
        const raws = await this.store.recentRawScores(owner, size);
        const reference: Reference = {
          model,
          centroid: centroidOf(vectors),
          stats: referenceStats(raws),
          raws: raws.length < MIN_REFERENCE ? raws : [],
          at: Date.now(),
          scoredSince: 0,
        };
        this.references.set(owner, reference);
        return reference;
      })().finally(() => this.building.delete(owner));
      this.building.set(owner, pending);
    }
    return pending;
  }
}
