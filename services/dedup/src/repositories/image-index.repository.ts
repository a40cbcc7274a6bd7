import { Inject, Injectable } from '@nestjs/common';
import {
  globalVectorName,
  VECTOR_STORE,
  type StoredPoint,
  type VectorStore,
  ActiveModel,
} from '@lookalike/vector-store';
import type { DedupImage } from '../domain/dedup-image';
import type { Neighbour } from '../domain/dedup-sweep';

const PAGE = 1000;
const GET_BATCH = 256;

export interface IndexedImage extends DedupImage {
  pointId: string;
  tags: string[];
  /** The original's object key (its local features live beside it). */
  key: string;
}

function toImage(point: StoredPoint): IndexedImage {
  const p = point.payload;
  return {
    pointId: point.id,
    imageId: p.imageId,
    sha256: p.sha256,
    phash: /^[0-9a-f]{16}$/.test(p.phash) ? p.phash : '',
    qualityScore: p.qualityScore ?? 0,
    width: p.width,
    height: p.height,
    format: p.format,
    createdAt: p.createdAt,
    tags: [...(p.tags ?? [])],
    key: p.key,
  };
}

/**
 * Image dedup compares stills: a video's kept frames (payload source `video`) are grouped per video
 * by the video dedup (docs/video.md), so frames are left out of image candidates and sweeps.
 */
function isStill(point: { payload: { source: string } }): boolean {
  return point.payload.source !== 'video';
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i] * b[i];
  return s;
}

/** How long the collection's model list is reused: a check does not describe the collection each time. */

/** The vector index as dedup reads it: payloads, batched kNN, vectors of chosen pairs, tags. */
@Injectable()
export class ImageIndexRepository {
  private readonly active: ActiveModel;

  constructor(@Inject(VECTOR_STORE) private readonly store: VectorStore) {
    this.active = new ActiveModel(store);
  }

  /** The model whose vectors are compared: the configured one, else the collection's newest. */
  activeModel(preferred?: string): Promise<string | null> {
    return this.active.resolve(preferred);
  }

  /** Every still of the tenant (payload only), page by page. */
  async allImages(owner: string): Promise<IndexedImage[]> {
    const out: IndexedImage[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.scroll(owner, { limit: PAGE, cursor });
      out.push(...page.points.filter(isStill).map(toImage));
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  async findImage(
    owner: string,
    imageId: string,
    model?: string,
  ): Promise<{ image: IndexedImage; vector?: Float32Array } | null> {
    const withVectors = model ? [globalVectorName(model)] : false;
    const page = await this.store.scroll(owner, { filter: { imageIds: [imageId] }, limit: 1, withVectors });
    const point = page.points[0];
    if (!point) return null;
    return { image: toImage(point), vector: model ? point.vectors?.[globalVectorName(model)] : undefined };
  }

  /** These images (those still indexed) with the model's vectors, by image id, one read per GET_BATCH. */
  async findImages(
    owner: string,
    imageIds: readonly string[],
    model: string | null,
  ): Promise<Map<string, { image: IndexedImage; vector?: Float32Array }>> {
    const name = model ? globalVectorName(model) : undefined;
    const out = new Map<string, { image: IndexedImage; vector?: Float32Array }>();
    const ids = [...new Set(imageIds)];
    for (let i = 0; i < ids.length; i += GET_BATCH) {
      const slice = ids.slice(i, i + GET_BATCH);
      const page = await this.store.scroll(owner, {
        filter: { imageIds: slice },
        limit: slice.length,
        withVectors: name ? [name] : false,
      });
      for (const point of page.points.filter(isStill)) {
        out.set(point.payload.imageId, {
          image: toImage(point),
          vector: name ? point.vectors?.[name] : undefined,
        });
      }
    }
    return out;
  }

  /** The k nearest neighbours (by image id) of the given points, or of every point of the tenant. */
  neighbours(
    owner: string,
    model: string,
    k: number,
    byPoint: ReadonlyMap<string, IndexedImage>,
    pointIds?: readonly string[],
  ): Promise<Map<string, Neighbour[]>> {
    return this.neighbourLists(owner, model, k, byPoint, pointIds, false);
  }

  /** Nearest points to a vector, as images with their cosine. */
  async nearest(
    owner: string,
    model: string,
    vector: Float32Array,
    k: number,
  ): Promise<{ image: IndexedImage; score: number }[]> {
    const hits = await this.store.search(owner, {
      vectorName: globalVectorName(model),
      vector,
      limit: k,
      withPayload: true,
    });
    return hits.flatMap((h) =>
      h.payload && isStill({ payload: h.payload })
        ? [{ image: toImage({ id: h.id, payload: h.payload }), score: h.score }]
        : [],
    );
  }

  /**
   * Images sharing any of these pHash chunks (of the image's own hash) or this sha256. Identical
   * bytes have identical hashes, so a sha256 twin is among the chunk matches already; the sha256
   * is asked separately only when there is no hash or the chunk page came back full.
   */
  async sharingHash(
    owner: string,
    chunks: readonly string[],
    sha256: string,
    limit: number,
  ): Promise<IndexedImage[]> {
    const byChunk =
      chunks.length > 0 ? await this.store.scroll(owner, { filter: { phashChunks: chunks }, limit }) : null;
    const bySha =
      !byChunk || byChunk.points.length >= limit
        ? await this.store.scroll(owner, { filter: { sha256 }, limit })
        : null;
    return [...(byChunk?.points ?? []), ...(bySha?.points ?? [])].filter(isStill).map(toImage);
  }

  /** The model's vectors of these points, in one read per GET_BATCH. */
  async vectors(
    owner: string,
    model: string,
    pointIds: readonly string[],
  ): Promise<Map<string, Float32Array>> {
    const name = globalVectorName(model);
    const out = new Map<string, Float32Array>();
    for (let i = 0; i < pointIds.length; i += GET_BATCH) {
      const points = await this.store.get(owner, pointIds.slice(i, i + GET_BATCH), { withVectors: [name] });
      for (const p of points) {
        const v = p.vectors?.[name];
        if (v) out.set(p.id, v);
      }
    }
    return out;
  }

  /**
   * The k nearest neighbours of the given points as they rank in the whole tenant: a neighbour
   * outside `byPoint` keeps its place in the list under its point id (so ranks stay true), and
   * the caller's sweep simply knows no image by that id.
   */
  async rankedNeighbours(
    owner: string,
    model: string,
    k: number,
    byPoint: ReadonlyMap<string, IndexedImage>,
    pointIds: readonly string[],
  ): Promise<Map<string, Neighbour[]>> {
    if (pointIds.length === 0) return new Map();
    return this.neighbourLists(owner, model, k, byPoint, pointIds, true);
  }

  /**
   * kNN lists keyed and filled by image id; a neighbour outside `byPoint` is dropped, or kept under
   * its point id when `keepOutside` (so ranks stay true).
   */
  private async neighbourLists(
    owner: string,
    model: string,
    k: number,
    byPoint: ReadonlyMap<string, IndexedImage>,
    pointIds: readonly string[] | undefined,
    keepOutside: boolean,
  ): Promise<Map<string, Neighbour[]>> {
    const lists = await this.store.neighbours(owner, {
      vectorName: globalVectorName(model),
      k,
      ids: pointIds,
    });
    const out = new Map<string, Neighbour[]>();
    for (const list of lists) {
      const source = byPoint.get(list.id);
      if (!source) continue;
      out.set(
        source.imageId,
        list.neighbours.flatMap((n) => {
          const id = byPoint.get(n.id)?.imageId ?? (keepOutside ? n.id : undefined);
          return id === undefined ? [] : [{ id, score: n.score }];
        }),
      );
    }
    return out;
  }

  /** Cosines of image pairs, fetching the vectors in batches. */
  async cosines(
    owner: string,
    model: string,
    pairs: ReadonlyArray<readonly [string, string]>,
    pointOf: (imageId: string) => string | undefined,
  ): Promise<number[]> {
    const name = globalVectorName(model);
    const ids = [
      ...new Set(
        pairs
          .flat()
          .map((id) => pointOf(id))
          .filter((p): p is string => !!p),
      ),
    ];
    const vectors = new Map<string, Float32Array>();
    for (let i = 0; i < ids.length; i += GET_BATCH) {
      const points = await this.store.get(owner, ids.slice(i, i + GET_BATCH), { withVectors: [name] });
      for (const p of points) {
        const v = p.vectors?.[name];
        if (v) vectors.set(p.id, v);
      }
    }
    return pairs.map(([a, b]) => {
      const va = vectors.get(pointOf(a) ?? '');
      const vb = vectors.get(pointOf(b) ?? '');
      return va && vb ? dot(va, vb) : -1;
    });
  }

  async setTags(owner: string, image: IndexedImage, tags: string[]): Promise<void> {
    await this.store.setPayload(owner, [image.pointId], { tags });
  }
}
