import { Inject, Injectable } from '@nestjs/common';
import {
  VECTOR_STORE,
  type CollectionDescription,
  type MultiSearchRequest,
  type ScrollPage,
  type ScrollRequest,
  type SearchHit,
  type SearchRequest,
  type StoredPoint,
  type VectorStore,
} from '@lookalike/vector-store';

/** How long a collection description is reused; it changes only when a model is added. */
const DESCRIPTION_TTL_MS = 5_000;

/**
 * The vector index as search sees it. Every call takes the tenant as its first argument and the
 * store adds it as a condition of its own, so nothing in a request can widen a query.
 */
@Injectable()
export class VectorIndexRepository {
  private description?: { value: CollectionDescription | null; at: number };

  constructor(@Inject(VECTOR_STORE) private readonly store: VectorStore) {}

  async describe(): Promise<CollectionDescription | null> {
    const now = Date.now();
    if (this.description && now - this.description.at < DESCRIPTION_TTL_MS) return this.description.value;
    const value = await this.store.describeCollection();
    // An absent collection is asked for again next time: ingest may create it any moment.
    this.description = value ? { value, at: now } : undefined;
    return value;
  }

  /** The caller's point holding this image id, with the named vectors asked for; null when absent. */
  async findByImageId(
    owner: string,
    imageId: string,
    withVectors: readonly string[],
  ): Promise<StoredPoint | null> {
    // The query needs the point's id, its vectors, (for the pHash gate) its hash and (for
    // verification) its object key, nothing else.
    const page = await this.store.scroll(owner, {
      filter: { imageIds: [imageId] },
      limit: 1,
      withVectors,
      withPayload: ['imageId', 'phash', 'key'],
    });
    return page.points[0] ?? null;
  }

  search(owner: string, request: SearchRequest): Promise<SearchHit[]> {
    return this.store.search(owner, request);
  }

  searchMulti(owner: string, request: MultiSearchRequest): Promise<SearchHit[]> {
    return this.store.searchMulti(owner, request);
  }

  scroll(owner: string, request: ScrollRequest): Promise<ScrollPage> {
    return this.store.scroll(owner, request);
  }
}
