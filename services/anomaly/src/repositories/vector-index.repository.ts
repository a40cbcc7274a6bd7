import { Inject, Injectable } from '@nestjs/common';
import type { ImagePayload } from '@lookalike/contracts';
import {
  globalVectorName,
  VECTOR_STORE,
  type PointNeighbours,
  type StoredPoint,
  type VectorStore,
  ActiveModel,
} from '@lookalike/vector-store';

const PAGE = 500;
/** How long the collection's model list is reused: a scoring pass does not describe the collection. */

/** The vector index as anomaly reads it: vectors, batched kNN, payloads; writes anomaly_score. */
@Injectable()
export class VectorIndexRepository {
  private readonly active: ActiveModel;

  constructor(@Inject(VECTOR_STORE) private readonly store: VectorStore) {
    this.active = new ActiveModel(store);
  }

  activeModel(preferred?: string): Promise<string | null> {
    return this.active.resolve(preferred);
  }

  /** Every point of the tenant with the model's vector, page by page (the full recompute only). */
  async *allPoints(owner: string, model: string): AsyncGenerator<StoredPoint[]> {
    let cursor: string | undefined;
    do {
      const page = await this.store.scroll(owner, {
        limit: PAGE,
        cursor,
        withVectors: [globalVectorName(model)],
      });
      yield page.points;
      cursor = page.nextCursor;
    } while (cursor);
  }

  async findByImageIds(owner: string, imageIds: readonly string[], model?: string): Promise<StoredPoint[]> {
    if (imageIds.length === 0) return [];
    const page = await this.store.scroll(owner, {
      filter: { imageIds },
      limit: imageIds.length,
      withVectors: model ? [globalVectorName(model)] : false,
    });
    return page.points;
  }

  neighbours(owner: string, model: string, k: number, ids?: readonly string[]): Promise<PointNeighbours[]> {
    return this.store.neighbours(owner, { vectorName: globalVectorName(model), k, ids });
  }

  /** Points by id (payload; the model's vector too when it is named), in one read. */
  get(owner: string, ids: readonly string[], model?: string): Promise<StoredPoint[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.store.get(owner, ids, model ? { withVectors: [globalVectorName(model)] } : {});
  }

  /** One write per value: every point whose payload score becomes `value`. */
  setAnomalyScore(owner: string, ids: readonly string[], value: number): Promise<void> {
    return this.store.setPayload(owner, ids, { anomalyScore: value });
  }

  /**
   * The payload keeps the score in steps of 1/PAYLOAD_STEPS (it serves `min_anomaly` filters; SQL
   * keeps the exact value), so points sharing a rounded score are patched in one call: at most 21
   * writes per tenant instead of one per image.
   */
  async setAnomalyScores(owner: string, scores: ReadonlyMap<string, number>): Promise<number> {
    const byValue = groupByPayloadScore(scores);
    for (const [value, ids] of byValue) await this.setAnomalyScore(owner, ids, value);
    return byValue.size;
  }

  static vectorOf(point: StoredPoint, model: string): Float32Array | undefined {
    return point.vectors?.[globalVectorName(model)];
  }
}

/**
 * The granularity of the payload's `anomaly_score`: a filter value, not the score (SQL keeps the
 * exact one). Steps of 0.05 give 21 values, so a tenant's whole payload is at most 21 writes, and a
 * score that moves less than a step costs none.
 */
export const PAYLOAD_STEPS = 20;

export function payloadScore(score: number): number {
  return Math.round(Math.min(1, Math.max(0, score)) * PAYLOAD_STEPS) / PAYLOAD_STEPS;
}

/** Point ids by the payload score they get: one write per group. */
export function groupByPayloadScore(scores: ReadonlyMap<string, number>): Map<number, string[]> {
  const byValue = new Map<number, string[]>();
  for (const [pointId, score] of scores) {
    const value = payloadScore(score);
    const ids = byValue.get(value);
    if (ids) ids.push(pointId);
    else byValue.set(value, [pointId]);
  }
  return byValue;
}

export type { ImagePayload };
