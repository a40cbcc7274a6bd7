import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import type { StoredPoint } from '@lookalike/vector-store';
import type { AnomalyConfig } from '../anomaly.config';
import {
  centroidOf,
  combine,
  parseWeights,
  rawScores,
  referenceStats,
  scaleComponents,
  type RawScores,
  type ReferenceStats,
  type Weights,
} from '../domain/anomaly-scoring';
import { AnomalyStoreRepository, type ScoreRow } from '../repositories/anomaly-store.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';

interface Reference {
  centroid: Float32Array | undefined;
  stats: ReferenceStats;
  at: number;
}

export interface RecomputeSummary {
  images: number;
  model: string | null;
  ms: number;
}

const WRITE_BATCH = 500;

/** Computes the scores: the whole tenant (job) or one new image and its neighbours (ingest). */
@Injectable()
export class AnomalyScoringService {
  private readonly logger = new Logger(AnomalyScoringService.name);
  private readonly weights: Weights;
  /** Per tenant: the centroid and medians an ingest-time score is measured against. */
  private readonly references = new Map<string, Reference>();

  constructor(
    private readonly index: VectorIndexRepository,
    private readonly store: AnomalyStoreRepository,
    @Inject(APP_CONFIG) private readonly config: AnomalyConfig,
  ) {
    this.weights = parseWeights(config.ANOMALY_WEIGHTS);
  }

  /**
   * Every image of the tenant: one pass for the centroid, one batched kNN for the neighbour
   * scores, medians over the tenant, then components, combination, SQL and payload.
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
        l.neighbours.map((n) => n.score),
      ]),
    );
    const raws = withVector.map((p) =>
      rawScores(
        lists.get(p.id) ?? [],
        VectorIndexRepository.vectorOf(p, model),
        centroid,
        p.payload.qualityScore ?? 0,
      ),
    );
    const stats = referenceStats(raws);
    this.references.set(owner, { centroid, stats, at: Date.now() });
    const rows = withVector.map((p, i) => this.row(p, raws[i], stats));
    for (let i = 0; i < rows.length; i += WRITE_BATCH) {
      await this.store.upsert(owner, rows.slice(i, i + WRITE_BATCH));
      await progress?.(Math.min(rows.length, i + WRITE_BATCH), rows.length);
    }
    await this.index.setAnomalyScores(owner, new Map(withVector.map((p, i) => [p.id, rows[i].combined])));
    await this.store.dropOthers(
      owner,
      rows.map((r) => r.imageId),
    );
    const summary = { images: rows.length, model, ms: Date.now() - started };
    this.logger.log(`anomaly recompute of ${owner}: ${JSON.stringify(summary)}`);
    return summary;
  }

  /**
   * The new image and its k neighbours (whose own neighbourhoods just changed) are scored against
   * the tenant's reference: the centroid and medians of the last full pass, refreshed when older
   * than ANOMALY_REFERENCE_TTL_S. Returns false when the image is not in the index.
   */
  async scoreImage(owner: string, imageId: string): Promise<boolean> {
    const model = await this.index.activeModel(this.config.ANOMALY_MODEL);
    if (!model) return false;
    const [point] = await this.index.findByImageIds(owner, [imageId], model);
    if (!point) return false;
    const k = this.config.ANOMALY_K;
    const [own] = await this.index.neighbours(owner, model, k, [point.id]);
    const affected = [point.id, ...(own?.neighbours.map((n) => n.id) ?? [])];
    const lists = new Map(
      (await this.index.neighbours(owner, model, k, affected)).map((l) => [
        l.id,
        l.neighbours.map((n) => n.score),
      ]),
    );
    const reference = await this.reference(owner, model);
    const peers = await this.index.findByImageIds(
      owner,
      (await this.index.get(owner, affected)).map((p) => p.payload.imageId),
      model,
    );
    const rows = peers.map((p) => {
      const raw = rawScores(
        lists.get(p.id) ?? [],
        VectorIndexRepository.vectorOf(p, model),
        reference.centroid,
        p.payload.qualityScore ?? 0,
      );
      return { point: p, row: this.row(p, raw, reference.stats) };
    });
    await this.store.upsert(
      owner,
      rows.map((r) => r.row),
    );
    await this.index.setAnomalyScores(owner, new Map(rows.map((r) => [r.point.id, r.row.combined])));
    return true;
  }

  private row(point: StoredPoint, raw: RawScores, stats: ReferenceStats): ScoreRow {
    const components = scaleComponents(raw, stats);
    return {
      imageId: point.payload.imageId,
      ...components,
      combined: combine(components, this.weights),
      raw,
    };
  }

  private async reference(owner: string, model: string): Promise<Reference> {
    const cached = this.references.get(owner);
    if (cached && Date.now() - cached.at < this.config.ANOMALY_REFERENCE_TTL_S * 1000) return cached;
    const vectors: Float32Array[] = [];
    for await (const page of this.index.allPoints(owner, model)) {
      for (const p of page) {
        const v = VectorIndexRepository.vectorOf(p, model);
        if (v) vectors.push(v);
      }
    }
    const raws = await this.store.rawScores(owner);
    const reference = { centroid: centroidOf(vectors), stats: referenceStats(raws), at: Date.now() };
    this.references.set(owner, reference);
    return reference;
  }
}
