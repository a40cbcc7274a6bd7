import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  type Caller,
  ErrorCode,
  type HitEvidence,
  type ImageFilter,
  type ImagePayload,
  LookalikeError,
  MAX_INLINE_IMAGE_BYTES,
  type SearchHit as ContractHit,
  type SimilarSearchRequest,
  type SimilarSearchResponse,
  type VideoFrameRef,
  newUlid,
  unpackVector,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { derivedVariants, hammingHex, perceptualHash } from '@lookalike/imaging';
import {
  compareHits,
  cropsVectorName,
  fromImageFilter,
  globalVectorName,
  mergeMaxScore,
  phashChunks,
  type CollectionDescription,
  type ModelSpec,
  type PayloadField,
  type PayloadSelector,
  type SearchHit,
  type VectorFilter,
} from '@lookalike/vector-store';
import { timeStage } from '../metrics/search.metrics';
import { EmbeddingRepository, type QueryEmbedding } from '../repositories/embedding.repository';
import { ImageUrlRepository } from '../repositories/image-url.repository';
import {
  type HitGeometry,
  LocalFeaturesRepository,
  type VerifyQuery,
} from '../repositories/local-features.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import { VideoFrameRepository } from '../repositories/video-frame.repository';
import type { SearchConfig } from '../search.config';

export const MAX_HITS = 200;
export const MAX_OFFSET = 10_000;
/** The most candidates one index call returns; pages that need re-ranking stay inside it. */
export const CANDIDATE_WINDOW = 1000;
/** Candidates fetched per requested row when copies are collapsed (group_duplicates). */
const GROUP_OVERFETCH = 4;
/** Four 16-bit chunks: two hashes within Hamming 3 always share one (pigeonhole). */
export const PHASH_CHUNK_EXACT_MAX = 3;
export const INLINE_QUERY_MAX_BYTES = MAX_INLINE_IMAGE_BYTES;
const STAGED_QUERY_MAX_BYTES = 64 * 1024 * 1024;
/** Verified hits the rest of the window is checked against (the second hop). */
export const VERIFY_HOP_ANCHORS = 2;
/** pHash neighbours added to the verification window (sharing a chunk, within this many bits). */
export const VERIFY_HASH_CANDIDATES = 30;
export const VERIFY_HASH_HAMMING = 20;
/** Verification looks at three candidates per row up to the page's end (and at least SEARCH_VERIFY_MIN_CANDIDATES). */
const VERIFY_OVERFETCH = 3;

type QueryKind = 'image_id' | 'text_query' | 'vector' | 'image_bytes' | 'staged_key';

interface ResolvedQuery {
  model: ModelSpec;
  vector: Float32Array;
  /** The query image's crop vectors (use_crops with an image query). */
  crops: Float32Array[];
  /** The query's own point (image_id queries), left out when exclude_self holds. */
  selfId?: string;
  /** Needed only by the pHash gate. */
  phash?: string;
  /** The stored query image's object key (image_id queries), for verification. */
  key?: string;
}

export interface Row {
  hit: SearchHit;
  duplicates: string[];
  /** Set when the row was verified against the query image. */
  geometry?: HitGeometry;
  /** With group_by_video: frames of the row's video among the candidates. */
  videoFrames?: number;
}

export function requireOwner(caller: Caller | undefined): string {
  const owner = caller?.ownerUserId ?? '';
  if (owner.trim() === '') {
    throw new LookalikeError(ErrorCode.Unauthenticated, 'the request carries no caller tenant');
  }
  return owner;
}

function queryKinds(req: SimilarSearchRequest): QueryKind[] {
  const kinds: QueryKind[] = [];
  if (req.imageId !== undefined && req.imageId !== '') kinds.push('image_id');
  if (req.textQuery !== undefined && req.textQuery !== '') kinds.push('text_query');
  if (req.vector.length > 0) kinds.push('vector');
  if (req.imageBytes.length > 0) kinds.push('image_bytes');
  if (req.stagedKey !== '') kinds.push('staged_key');
  return kinds;
}

/**
 * The payload fields a hit needs: its id and object key (for the URLs), the copy keys when copies
 * are grouped, everything when the caller asked for the payload. Reading fewer columns halves the
 * index's work per query (docs/search.md, "Where the time goes").
 */
export function hitFields(req: SimilarSearchRequest): PayloadSelector {
  if (req.includePayload) return true;
  // `source` says which hits are frames of a video (looked up in SQL for their video and time).
  const fields: PayloadField[] = ['imageId', 'key', 'source'];
  if (req.groupDuplicates) fields.push('sha256', 'phash');
  return fields;
}

const isImageQuery = (kind: QueryKind) =>
  kind === 'image_id' || kind === 'image_bytes' || kind === 'staged_key';

/**
 * Verified copies first (most inliers first, then by score), then the rest in their order; the
 * sort is stable, so ties keep the index's order.
 */
export function verifiedFirst<T extends { hit: SearchHit; geometry?: HitGeometry }>(rows: readonly T[]): T[] {
  const verified = rows.filter((r) => r.geometry?.verified);
  const rest = rows.filter((r) => !r.geometry?.verified);
  verified.sort((a, b) => b.geometry!.inliers - a.geometry!.inliers || b.hit.score - a.hit.score);
  return [...verified, ...rest];
}

function intIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw LookalikeError.invalid(`${field} must be an integer from ${min} to ${max}`, {
      [field]: value,
      min,
      max,
    });
  }
  return value;
}

@Injectable()
export class SearchService {
  private readonly logger = new Logger(SearchService.name);

  constructor(
    private readonly index: VectorIndexRepository,
    private readonly embedding: EmbeddingRepository,
    private readonly urls: ImageUrlRepository,
    private readonly features: LocalFeaturesRepository,
    @Inject(APP_CONFIG) private readonly config: SearchConfig,
    @Optional() private readonly frames?: VideoFrameRepository,
  ) {}

  async similar(req: SimilarSearchRequest): Promise<SimilarSearchResponse> {
    const owner = requireOwner(req.caller);
    try {
      return await this.similarFor(owner, req);
    } finally {
      if (req.stagedKey) {
        await this.urls.deleteStaged(owner, req.stagedKey).catch((error: unknown) => {
          this.logger.warn(`could not delete staged query image: ${String(error)}`);
        });
      }
    }
  }

  private async similarFor(owner: string, req: SimilarSearchRequest): Promise<SimilarSearchResponse> {
    const queryId = newUlid();
    const kinds = queryKinds(req);
    if (kinds.length !== 1) {
      throw LookalikeError.invalid('give exactly one of image_id, text_query, vector or an image', {
        query_kinds: kinds,
      });
    }
    const kind = kinds[0]!;
    const limit = intIn('limit', req.limit, 1, MAX_HITS);
    const offset = intIn('offset', req.offset, 0, MAX_OFFSET);
    if (req.ef !== undefined) intIn('ef', req.ef, 1, 4096);
    if (req.phashGate !== undefined) {
      intIn('phash_gate', req.phashGate, 0, 64);
      if (kind === 'text_query' || kind === 'vector') {
        throw LookalikeError.invalid('phash_gate needs an image query (image_id or a file)');
      }
    }
    if (req.scoreThreshold !== undefined && !Number.isFinite(req.scoreThreshold)) {
      throw LookalikeError.invalid('score_threshold must be a number');
    }
    if (kind === 'image_bytes' && req.imageBytes.length > INLINE_QUERY_MAX_BYTES) {
      throw new LookalikeError(ErrorCode.PayloadTooLarge, 'inline query images are limited to 768 KiB', {
        details: { max_bytes: INLINE_QUERY_MAX_BYTES },
      });
    }
    if (kind === 'staged_key') this.urls.checkStaged(owner, req.stagedKey);
    const verifyWindow = this.verifyWindow(kind, req, limit, offset);
    const filter = fromImageFilter(req.filter);

    const description = await this.index.describe();
    const query = await timeStage('resolve', kind, () => this.resolve(owner, kind, req, description));
    if (!query) return { queryId, hits: [], modelName: description?.models[0]?.name ?? '' };

    const excludeSelf = query.selfId !== undefined && req.excludeSelf !== false;
    const extra = excludeSelf ? 1 : 0;
    const windowed = req.useCrops || req.groupDuplicates || req.groupByVideo || req.phashGate !== undefined;
    let hits: SearchHit[];
    let pageStart: number;
    if (offset + limit + extra <= CANDIDATE_WINDOW) {
      const fetch = Math.max(
        req.groupDuplicates || req.groupByVideo
          ? Math.min(CANDIDATE_WINDOW, (offset + limit) * GROUP_OVERFETCH + extra)
          : offset + limit + extra,
        verifyWindow + extra,
      );
      hits = await timeStage('rank', kind, () => this.candidates(owner, query, req, filter, fetch, 0));
      pageStart = offset;
    } else if (windowed) {
      throw LookalikeError.invalid(
        `with use_crops, group_duplicates, group_by_video or phash_gate, offset + limit may reach at most ${CANDIDATE_WINDOW}`,
        { offset, limit },
      );
    } else {
      // Deep pages of a plain query: the index pages itself. The query's own point, if it is to be
      // left out, ranks first (it is the query vector), so it sits before this page.
      hits = await timeStage('rank', kind, () =>
        this.candidates(owner, query, req, filter, limit + extra, offset),
      );
      pageStart = 0;
    }
    if (excludeSelf) hits = hits.filter((h) => h.id !== query.selfId);
    let rows: Row[] = req.groupDuplicates
      ? this.groupCopies(hits)
      : hits.map((hit) => ({ hit, duplicates: [] }));
    if (verifyWindow > 0) {
      rows = await timeStage('verify', kind, () =>
        this.verifyRows(owner, kind, req, query, filter, rows, verifyWindow),
      );
    }
    // Frames are looked up in SQL (their video and time): those of the page, or with
    // group_by_video those of every row, so each video keeps only its best frame.
    const frameIdsOf = (list: readonly Row[]) =>
      list.filter((row) => row.hit.payload?.source === 'video').map((row) => row.hit.payload!.imageId);
    let frames = new Map<string, VideoFrameRef>();
    if (req.groupByVideo) {
      const ids = frameIdsOf(rows);
      if (ids.length > 0 && this.frames) frames = await this.frames.framesOf(owner, ids);
      rows = bestFramePerVideo(rows, frames);
    }
    const page = rows.slice(pageStart, pageStart + limit);
    const pageFrames = frameIdsOf(page).filter((id) => !frames.has(id));
    if (pageFrames.length > 0 && this.frames) {
      for (const [id, ref] of await this.frames.framesOf(owner, pageFrames)) frames.set(id, ref);
    }
    return {
      queryId,
      modelName: query.model.name,
      hits: await timeStage('urls', kind, () =>
        Promise.all(
          page.map((row) =>
            this.toContractHit(row, req.includePayload, frames.get(row.hit.payload!.imageId)),
          ),
        ),
      ),
    };
  }

  /**
   * How many of the top candidates to verify (0: none). `verify` unset means on for image queries
   * whose limit is at most SEARCH_VERIFY_DEFAULT_MAX_LIMIT; text and vector queries have no image to
   * verify with. The window holds three candidates per row up to the page's end (at least
   * SEARCH_VERIFY_MIN_CANDIDATES, at most SEARCH_VERIFY_MAX_CANDIDATES), so every page of one query is
   * cut from the same re-ranked list as long as the window is the same.
   */
  private verifyWindow(kind: QueryKind, req: SimilarSearchRequest, limit: number, offset: number): number {
    const max = this.config.SEARCH_VERIFY_MAX_CANDIDATES;
    if (req.verify === false) return 0;
    if (req.verify === true) {
      if (!isImageQuery(kind)) {
        throw LookalikeError.invalid('verify needs an image query (image_id or a file)', {
          query_kind: kind,
        });
      }
      if (offset + limit > max) {
        throw LookalikeError.invalid(`with verify, offset + limit may reach at most ${max}`, {
          offset,
          limit,
          max,
        });
      }
    } else if (
      !isImageQuery(kind) ||
      limit > this.config.SEARCH_VERIFY_DEFAULT_MAX_LIMIT ||
      offset + limit > max
    ) {
      return 0;
    }
    // Without a worker pool (LOCAL_FEATURES=false) the hits come back unverified, at no cost.
    if (!this.features.available) return 0;
    return Math.min(
      max,
      Math.max(this.config.SEARCH_VERIFY_MIN_CANDIDATES, (offset + limit) * VERIFY_OVERFETCH),
    );
  }

  /**
   * The first `window` rows verified against the query image and re-ranked (verifiedFirst); the
   * rows after them keep their place. Verification is an improvement, never a condition: when it
   * cannot run (no worker pool, a busy pool, a query image that cannot be read), the rows come
   * back in score order, unverified.
   */
  private async verifyRows(
    owner: string,
    kind: QueryKind,
    req: SimilarSearchRequest,
    query: ResolvedQuery,
    filter: VectorFilter,
    rows: Row[],
    window: number,
  ): Promise<Row[]> {
    if (rows.length === 0) return rows;
    try {
      const source = await this.verifyQuery(owner, kind, req, query);
      if (!source) return rows;
      const extra = await this.hashCandidates(owner, query, req, filter, rows);
      const head = [...rows.slice(0, window), ...extra];
      const sourceOf = (row: Row) => ({ imageId: row.hit.payload!.imageId, key: row.hit.payload!.key });
      const geometries = await this.features.verify(source, head.map(sourceOf));
      const verified = head.map((row, i) => ({ ...row, geometry: geometries[i] ?? undefined }));
      await this.verifyThroughCopies(verified, sourceOf);
      // A hash candidate the embedding ranked outside the window stays out unless it verified.
      const extraIds = new Set(extra.map((row) => row.hit.id));
      const kept = verified.filter((row) => !extraIds.has(row.hit.id) || row.geometry?.verified);
      return [...verifiedFirst(kept), ...rows.slice(window)];
    } catch (error) {
      this.logger.warn({ err: error, kind }, 'verification skipped: hits come back unverified');
      return rows;
    }
  }

  /**
   * Verification candidates the embedding misses: images whose pHash shares a 16-bit chunk with
   * the query's (or its mirrored or turned variants') and lies within VERIFY_HASH_HAMMING bits (a blurred or darkened copy keeps its
   * coarse structure, where the embedding ranks it below merely similar images), at most
   * VERIFY_HASH_CANDIDATES, under the request's filter, not already fetched, scored exactly.
   */
  private async hashCandidates(
    owner: string,
    query: ResolvedQuery,
    req: SimilarSearchRequest,
    filter: VectorFilter,
    rows: readonly Row[],
  ): Promise<Row[]> {
    if (!query.phash) return [];
    const seen = new Set(rows.map((row) => row.hit.id));
    if (query.selfId) seen.add(query.selfId);
    // The hash and the hashes the image would have mirrored or turned: flipped and turned copies.
    const probes = [query.phash, ...Object.values(derivedVariants(query.phash))];
    const page = await this.index.scroll(owner, {
      filter: { ...filter, phashChunks: [...new Set(probes.flatMap(phashChunks))] },
      limit: CANDIDATE_WINDOW,
      withPayload: ['phash'],
    });
    const distance = (phash: string): number => Math.min(...probes.map((probe) => hammingHex(probe, phash)));
    const ids = page.points
      .filter((p) => !seen.has(p.id) && p.payload.phash)
      .map((p) => ({ id: p.id, d: distance(p.payload.phash!) }))
      .filter((c) => c.d <= VERIFY_HASH_HAMMING)
      .sort((x, y) => x.d - y.d)
      .slice(0, VERIFY_HASH_CANDIDATES)
      .map((c) => c.id);
    if (ids.length === 0) return [];
    const lists = await this.rank(owner, query, req, { ...filter, ids }, ids.length, 0, true);
    const hits = lists.length === 1 ? lists[0]! : mergeMaxScore(lists);
    return hits.map((hit) => ({ hit, duplicates: [] }));
  }

  /**
   * The second hop: a candidate the query did not verify against may still be a copy of one of its
   * verified copies (a blurred query against a cropped copy fails where both match the original).
   * The unverified candidates of the window are verified against the VERIFY_HOP_ANCHORS verified
   * hits with the most inliers; those that pass count as verified, their evidence naming the anchor
   * (`via`). The same triangle closing dedup's sweep does.
   */
  private async verifyThroughCopies(
    rows: (Row & { geometry?: HitGeometry })[],
    sourceOf: (row: Row) => { imageId: string; key: string },
  ): Promise<void> {
    const anchors = rows
      .filter((r) => r.geometry?.verified && !r.geometry.via)
      .sort((a, b) => b.geometry!.inliers - a.geometry!.inliers)
      .slice(0, VERIFY_HOP_ANCHORS);
    for (const anchor of anchors) {
      const open = rows.filter((r) => r.geometry !== undefined && !r.geometry.verified);
      if (open.length === 0) return;
      const results = await this.features.verify({ stored: sourceOf(anchor) }, open.map(sourceOf));
      open.forEach((row, i) => {
        const g = results[i];
        if (g?.verified) row.geometry = { ...g, via: anchor.hit.payload!.imageId };
      });
    }
  }

  private async verifyQuery(
    owner: string,
    kind: QueryKind,
    req: SimilarSearchRequest,
    query: ResolvedQuery,
  ): Promise<VerifyQuery | null> {
    switch (kind) {
      case 'image_id':
        return query.key ? { stored: { imageId: req.imageId!, key: query.key } } : null;
      case 'image_bytes':
        return { bytes: Buffer.from(req.imageBytes) };
      case 'staged_key':
        return { bytes: await this.urls.readStaged(owner, req.stagedKey, STAGED_QUERY_MAX_BYTES) };
      default:
        return null;
    }
  }

  /** The query vector (and crops, pHash, own point) of each query kind; null when nothing is indexed. */
  private async resolve(
    owner: string,
    kind: QueryKind,
    req: SimilarSearchRequest,
    description: CollectionDescription | null,
  ): Promise<ResolvedQuery | null> {
    switch (kind) {
      case 'image_id':
        return this.resolveStored(owner, req.imageId!, req.useCrops, description);
      case 'vector':
        return this.resolveVector(req, description);
      case 'text_query': {
        const embedded = await this.embedding.embedText(req.textQuery!);
        return this.fromEmbedding(embedded, req, description);
      }
      case 'image_bytes':
      case 'staged_key': {
        const source =
          kind === 'image_bytes'
            ? { inline: Buffer.from(req.imageBytes) }
            : { bucket: this.urls.bucket, key: req.stagedKey };
        const embedded = await this.embedding.embedImage(source, req.useCrops);
        const query = this.fromEmbedding(embedded, req, description);
        if (query && req.phashGate !== undefined) {
          const bytes =
            kind === 'image_bytes'
              ? Buffer.from(req.imageBytes)
              : await this.urls.readStaged(owner, req.stagedKey, STAGED_QUERY_MAX_BYTES);
          query.phash = await perceptualHash(bytes);
        }
        return query;
      }
    }
  }

  /** image_id: the stored vector is the query; the embedding service is never asked. */
  private async resolveStored(
    owner: string,
    imageId: string,
    useCrops: boolean,
    description: CollectionDescription | null,
  ): Promise<ResolvedQuery> {
    if (!description) throw LookalikeError.notFound('image', imageId);
    const model = this.modelOf(description, this.embedding.knownModel()?.vectorName, false);
    this.checkCrops(model, useCrops);
    const names = [globalVectorName(model.name), ...(useCrops ? [cropsVectorName(model.name)] : [])];
    const point = await this.index.findByImageId(owner, imageId, names);
    // Another tenant's image answers exactly like a missing one.
    if (!point) throw LookalikeError.notFound('image', imageId);
    const vector = point.vectors?.[globalVectorName(model.name)];
    if (!vector) {
      throw new LookalikeError(
        ErrorCode.Unprocessable,
        `image ${imageId} has no ${model.name} vector yet (a re-index is filling it)`,
        { details: { image_id: imageId, model: model.name } },
      );
    }
    return {
      model,
      vector,
      crops: useCrops ? (point.multivectors?.[cropsVectorName(model.name)] ?? []) : [],
      selfId: point.id,
      phash: point.payload.phash || undefined,
      key: point.payload.key || undefined,
    };
  }

  private async resolveVector(
    req: SimilarSearchRequest,
    description: CollectionDescription | null,
  ): Promise<ResolvedQuery | null> {
    if (req.vector.length % 4 !== 0) throw LookalikeError.invalid('vector must be packed float32');
    const vector = Float32Array.from(unpackVector(req.vector));
    let norm = 0;
    for (const x of vector) {
      if (!Number.isFinite(x)) throw LookalikeError.invalid('vector must hold finite numbers');
      norm += x * x;
    }
    if (norm === 0) throw LookalikeError.invalid('vector must not be all zeros');
    if (!description) return null;
    // Model metadata only: an embedding service that is down must not stop raw-vector search.
    const active = await this.embedding.activeModel().catch(() => this.embedding.knownModel());
    const model = this.modelOf(description, active?.vectorName, false);
    if (vector.length !== model.dimension) {
      throw LookalikeError.invalid(`vector must have ${model.dimension} dimensions (model ${model.name})`, {
        expected: model.dimension,
        got: vector.length,
      });
    }
    this.checkCrops(model, req.useCrops);
    return { model, vector, crops: [] };
  }

  private fromEmbedding(
    embedded: QueryEmbedding,
    req: SimilarSearchRequest,
    description: CollectionDescription | null,
  ): ResolvedQuery | null {
    if (!description) return null;
    const model = this.modelOf(description, embedded.vectorName, true);
    this.checkCrops(model, req.useCrops);
    return { model, vector: embedded.vector, crops: req.useCrops ? embedded.crops : [] };
  }

  /**
   * The model whose vectors answer the query: the one the embedding service runs, when the index
   * holds its vectors; otherwise (strict: a query vector of a model the index lacks) a typed error.
   */
  private modelOf(
    description: CollectionDescription,
    vectorName: string | undefined,
    strict: boolean,
  ): ModelSpec {
    const match = description.models.find((m) => globalVectorName(m.name) === vectorName);
    if (match) return match;
    if (strict || description.models.length === 0) {
      throw new LookalikeError(
        ErrorCode.ModelUnavailable,
        `the index holds no ${vectorName ?? 'model'} vectors yet; run the re-index (POST /api/admin/reindex)`,
        { details: { vector_name: vectorName ?? null } },
      );
    }
    return description.models[0]!;
  }

  private checkCrops(model: ModelSpec, useCrops: boolean): void {
    if (useCrops && !model.crops) {
      throw LookalikeError.invalid(`the index keeps no crop vectors for model ${model.name}`, {
        model: model.name,
      });
    }
  }

  /** The top `fetch` hits (after `offset`), global and crop scores merged by max per point. */
  private async candidates(
    owner: string,
    query: ResolvedQuery,
    req: SimilarSearchRequest,
    filter: VectorFilter,
    fetch: number,
    offset: number,
  ): Promise<SearchHit[]> {
    if (req.phashGate !== undefined) {
      if (!query.phash) return [];
      const ids = await this.gateCandidates(owner, query.phash, req.phashGate, filter);
      const lists: SearchHit[][] = [];
      for (let i = 0; i < ids.length; i += CANDIDATE_WINDOW) {
        const batch = ids.slice(i, i + CANDIDATE_WINDOW);
        lists.push(
          ...(await this.rank(
            owner,
            query,
            req,
            { ...filter, ids: batch },
            Math.min(fetch, batch.length),
            0,
            true,
          )),
        );
      }
      return mergeMaxScore(lists).slice(0, fetch);
    }
    const lists = await this.rank(owner, query, req, filter, fetch, offset, false);
    return lists.length === 1 ? lists[0]! : mergeMaxScore(lists).slice(0, fetch);
  }

  private rank(
    owner: string,
    query: ResolvedQuery,
    req: SimilarSearchRequest,
    filter: VectorFilter,
    limit: number,
    offset: number,
    exact: boolean,
  ): Promise<SearchHit[][]> {
    const common = {
      filter,
      limit,
      offset,
      scoreThreshold: req.scoreThreshold,
      ef: req.ef,
      exact: exact || undefined,
      withPayload: hitFields(req),
    };
    const searches = [
      this.index.search(owner, {
        ...common,
        vectorName: globalVectorName(query.model.name),
        vector: query.vector,
      }),
    ];
    if (req.useCrops) {
      // A text or vector query matches regions too: it is compared with every stored crop.
      searches.push(
        this.index.searchMulti(owner, {
          ...common,
          vectorName: cropsVectorName(query.model.name),
          vectors: [query.vector, ...query.crops],
        }),
      );
    }
    return Promise.all(searches);
  }

  /**
   * Point ids whose pHash is within `gate` of the query's. Up to Hamming 3 the shared-chunk index
   * finds every such point (pigeonhole over 4 chunks); above 3 a pair can differ in all four
   * chunks, so the gate scans the caller's (filtered) images instead, up to SEARCH_PHASH_SCAN_MAX.
   */
  private async gateCandidates(
    owner: string,
    phash: string,
    gate: number,
    filter: VectorFilter,
  ): Promise<string[]> {
    const scanFilter =
      gate <= PHASH_CHUNK_EXACT_MAX ? { ...filter, phashChunks: phashChunks(phash) } : filter;
    const ids: string[] = [];
    let scanned = 0;
    let cursor: string | undefined;
    do {
      const page = await this.index.scroll(owner, {
        filter: scanFilter,
        limit: CANDIDATE_WINDOW,
        cursor,
        withPayload: ['phash'],
      });
      for (const point of page.points) {
        const other = point.payload.phash;
        if (other && hammingHex(other, phash) <= gate) ids.push(point.id);
      }
      scanned += page.points.length;
      if (page.nextCursor && scanned >= this.config.SEARCH_PHASH_SCAN_MAX) {
        throw LookalikeError.invalid(
          `a phash_gate above ${PHASH_CHUNK_EXACT_MAX} scans every image and more than ${this.config.SEARCH_PHASH_SCAN_MAX} match the filter; narrow the filter or use a gate of at most ${PHASH_CHUNK_EXACT_MAX}`,
          { max_scan: this.config.SEARCH_PHASH_SCAN_MAX },
        );
      }
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  }

  /** Collapses exact (same bytes) and near (pHash within SEARCH_DUPLICATE_HAMMING) copies into the best hit. */
  private groupCopies(hits: readonly SearchHit[]): Row[] {
    const rows: Row[] = [];
    for (const hit of [...hits].sort(compareHits)) {
      const leader = rows.find((row) => this.isCopy(row.hit.payload, hit.payload));
      if (leader) leader.duplicates.push(hit.payload!.imageId);
      else rows.push({ hit, duplicates: [] });
    }
    return rows;
  }

  private isCopy(a: ImagePayload | undefined, b: ImagePayload | undefined): boolean {
    if (!a || !b) return false;
    if (a.sha256 && a.sha256 === b.sha256) return true;
    return !!a.phash && !!b.phash && hammingHex(a.phash, b.phash) <= this.config.SEARCH_DUPLICATE_HAMMING;
  }

  private async toContractHit(
    row: Row,
    includePayload: boolean,
    video?: VideoFrameRef,
  ): Promise<ContractHit> {
    const payload = row.hit.payload!;
    const { previewUrl, thumbnailUrl } = await this.urls.urlsFor(payload);
    return {
      imageId: payload.imageId,
      score: row.hit.score,
      payload: includePayload ? payload : undefined,
      previewUrl,
      thumbnailUrl,
      duplicates: row.duplicates,
      verified: row.geometry?.verified ?? false,
      evidence: row.geometry?.verified ? evidenceOf(row.geometry) : undefined,
      ...(video ? { video } : {}),
      videoFrames: row.videoFrames ?? 0,
    };
  }
}

/**
 * Keeps the first (best-ranked) row of each video and counts the video's frames among the rows;
 * stills and frames whose row was not found pass through in place.
 */
export function bestFramePerVideo(rows: readonly Row[], frames: ReadonlyMap<string, VideoFrameRef>): Row[] {
  const leaders = new Map<string, Row>();
  const out: Row[] = [];
  for (const row of rows) {
    const videoId = frames.get(row.hit.payload?.imageId ?? '')?.videoId;
    if (!videoId) {
      out.push(row);
      continue;
    }
    const leader = leaders.get(videoId);
    if (leader) {
      leader.videoFrames = (leader.videoFrames ?? 1) + 1;
      continue;
    }
    const kept = { ...row, videoFrames: 1 };
    leaders.set(videoId, kept);
    out.push(kept);
  }
  return out;
}

function evidenceOf(g: HitGeometry): HitEvidence {
  return { inliers: g.inliers, coverage: g.coverage, mirrored: g.mirrored, viaImageId: g.via ?? '' };
}

export function isEmptyFilter(filter: ImageFilter | undefined): boolean {
  if (!filter) return true;
  return Object.values(filter).every(
    (v) => v === undefined || v === '' || (Array.isArray(v) && v.length === 0),
  );
}
