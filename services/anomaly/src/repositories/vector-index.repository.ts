import { Inject, Injectable } from '@nestjs/common';
import type { ImagePayload } from '@lookalike/contracts';
import {
  globalVectorName,
  VECTOR_STORE,
  type PointNeighbours,
  type StoredPoint,
  type VectorStore,
} from '@lookalike/vector-store';

const PAGE = 500;

/** The vector index as anomaly reads it: vectors, batched kNN, payloads; writes anomaly_score. */
@Injectable()
export class VectorIndexRepository {
  constructor(@Inject(VECTOR_STORE) private readonly store: VectorStore) {}

  async activeModel(preferred?: string): Promise<string | null> {
    const description = await this.store.describeCollection();
    if (!description || description.models.length === 0) return null;
    if (preferred && description.models.some((m) => m.name === preferred)) return preferred;
    return description.models[description.models.length - 1].name;
  }

  /** Every point of the tenant with the model's vector, page by page. */
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

  get(owner: string, ids: readonly string[]): Promise<StoredPoint[]> {
    return this.store.get(owner, ids);
  }

  /**
   * The payload keeps the score to two decimals (it serves `min_anomaly` filters; SQL keeps the
   * exact value), so points sharing a rounded score are patched in one call: at most 101 writes
   * per tenant instead of one per image.
   */
  async setAnomalyScores(owner: string, scores: ReadonlyMap<string, number>): Promise<void> {
    const byValue = new Map<number, string[]>();
    for (const [pointId, score] of scores) {
      const value = Math.round(score * 100) / 100;
      const ids = byValue.get(value);
      if (ids) ids.push(pointId);
      else byValue.set(value, [pointId]);
    }
    for (const [value, ids] of byValue) await this.store.setPayload(owner, ids, { anomalyScore: value });
  }

  static vectorOf(point: StoredPoint, model: string): Float32Array | undefined {
    return point.vectors?.[globalVectorName(model)];
  }
}

export type { ImagePayload };
