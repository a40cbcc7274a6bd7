import {
  ErrorCode,
  ImagesEmbedResponse,
  LookalikeError,
  ModelInfoGetResponse,
  packVector,
  SimilarSearchRequest,
  Subjects,
  TextEmbedResponse,
  type DeepPartialOf,
  type SubjectDef,
  type ImagePayload,
  type VideoFrameRef,
} from '@lookalike/contracts';
import { loadConfig } from '@lookalike/config';
import type { RpcClient } from '@lookalike/messaging';
import type { ObjectStore } from '@lookalike/object-store';
import { MemoryVectorStore } from '@lookalike/vector-store';
import { MODEL, seed, vec } from '../../test/support/search-fixtures';
import { EmbeddingRepository } from '../repositories/embedding.repository';
import { ImageUrlRepository } from '../repositories/image-url.repository';
import type { VideoFrameRepository } from '../repositories/video-frame.repository';
import type {
  HitGeometry,
  LocalFeaturesRepository,
  VerifyQuery,
} from '../repositories/local-features.repository';
import { VectorIndexRepository } from '../repositories/vector-index.repository';
import { searchEnvSchema } from '../search.config';
import { bestFramePerVideo, SearchService, type Row } from './search.service';

// Verification by default at small limits is off by default; the tests turn it on to check it.
const config = loadConfig(searchEnvSchema, {
  SEARCH_TEXT_CACHE_SIZE: '2',
  SEARCH_VERIFY_DEFAULT_MAX_LIMIT: '20',
});

type Handler = (request: unknown) => unknown;

function rpcStub(handlers: Partial<Record<string, Handler>>) {
  const send = jest.fn(async (subject: SubjectDef<unknown, unknown>, request: unknown) => {
    const handler = handlers[subject.name];
    if (!handler) throw new LookalikeError(ErrorCode.Unavailable, `no handler for ${subject.name}`);
    return handler(request);
  });
  return { rpc: { send } as unknown as RpcClient, send };
}

const modelInfo = (version = MODEL.version) =>
  ModelInfoGetResponse.fromPartial({
    name: MODEL.name,
    version,
    dim: MODEL.dimension,
    textAvailable: true,
    vectorName: `${MODEL.name}_global`,
  });

function objectStoreStub() {
  return {
    bucket: 'lookalike',
    presignDownload: jest.fn(async ({ key }: { key: string }) => `https://signed.example/${key}?sig=1`),
    delete: jest.fn(async () => undefined),
    getBuffer: jest.fn(async () => Buffer.alloc(0)),
  };
}

/**
 * The verifier at the port edge: `available` says whether a worker pool exists, `verify` answers
 * from a script (image id -> geometry; missing ids have no features). `hops` scripts the checks
 * against a verified hit (anchor id -> candidate id -> geometry); unscripted ones fail.
 */
function verifierStub(
  available = false,
  script: Record<string, HitGeometry> = {},
  hops: Record<string, Record<string, HitGeometry>> = {},
) {
  let queryId: string | undefined;
  return {
    available,
    verify: jest.fn(async (query: VerifyQuery, candidates: readonly { imageId: string }[]) => {
      const from = 'stored' in query ? query.stored.imageId : 'bytes';
      queryId ??= from;
      if (from === queryId) return candidates.map((c) => script[c.imageId] ?? null);
      return candidates.map((c) => hops[from]?.[c.imageId] ?? unrelated);
    }),
  };
}

const copy = (inliers: number, mirrored = false): HitGeometry => ({
  verified: true,
  inliers,
  coverage: 0.8,
  mirrored,
});
const unrelated: HitGeometry = { verified: false, inliers: 0, coverage: 0, mirrored: false };

const request = (partial: DeepPartialOf<SimilarSearchRequest>) =>
  SimilarSearchRequest.fromPartial({
    caller: { ownerUserId: 'alice', userId: 'alice' },
    limit: 10,
    ...partial,
  });

describe('SearchService', () => {
  let store: MemoryVectorStore;
  let objects: ReturnType<typeof objectStoreStub>;
  let ids: Map<string, string>;

  const build = (
    handlers: Partial<Record<string, Handler>> = {},
    verifier: ReturnType<typeof verifierStub> = verifierStub(),
    settings: typeof config = config,
  ) => {
    const { rpc, send } = rpcStub({ [Subjects.EmbeddingModelInfo.name]: () => modelInfo(), ...handlers });
    const sut = new SearchService(
      new VectorIndexRepository(store),
      new EmbeddingRepository(rpc, config),
      new ImageUrlRepository(objects as unknown as ObjectStore, config),
      verifier as unknown as LocalFeaturesRepository,
      settings,
    );
    return { sut, send };
  };

  beforeEach(async () => {
    store = new MemoryVectorStore();
    await store.ensureCollection({ models: [MODEL] });
    objects = objectStoreStub();
    ids = await seed(store, 'alice', [
      { name: 'query', vector: vec(0), phash: 'ffff000000000000', tags: ['cat'] },
      { name: 'near', vector: vec(0, 0.1), phash: 'ffff000000000001', tags: ['cat', 'indoor'] },
      { name: 'mid', vector: vec(0, 0.4), phash: 'ffff0000000000ff', tags: ['dog'], qualityScore: 0.2 },
      { name: 'far', vector: vec(3), phash: '0123456789abcdef', tags: ['cat'] },
      {
        name: 'cropped',
        vector: vec(5),
        crops: [vec(0, 0.05), vec(6)],
        phash: '00ff00ff00ff00ff',
      },
    ]);
    // Tenant B holds vectors nearer to alice's query than any of alice's own.
    await seed(store, 'bob', [
      { name: 'twin', vector: vec(0, 0.01), phash: 'ffff000000000000' },
      { name: 'twin2', vector: vec(0, 0.02), phash: 'ffff000000000000', crops: [vec(0)] },
    ]);
  });

  const idsOf = (hits: { imageId: string }[]) => hits.map((h) => h.imageId);
  const name = (id: string) => [...ids.entries()].find(([, v]) => v === id)?.[0] ?? `foreign:${id}`;

  it('answers an image_id query from the stored vector without calling the embedding service', async () => {
    const { sut, send } = build();
    const res = await sut.similar(request({ imageId: ids.get('query') }));
    const names = res.hits.map((h) => name(h.imageId));
    // far and cropped both score 0 (orthogonal): their order is the tie-break, checked elsewhere.
    expect(names.slice(0, 2)).toEqual(['near', 'mid']);
    expect(names.slice(2).sort()).toEqual(['cropped', 'far']);
    expect(res.hits[0]!.score).toBeCloseTo(Math.cos(0.1), 5);
    expect(res.queryId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(res.modelName).toBe('clip');
    expect(send).not.toHaveBeenCalled();
  });

  it('reads only the payload fields a hit needs, and the whole payload when asked for it', async () => {
    const { sut } = build();
    const searches = jest.spyOn(store, 'search');
    const lookups = jest.spyOn(store, 'scroll');
    const plain = await sut.similar(request({ imageId: ids.get('query'), limit: 2 }));
    expect(lookups.mock.calls[0]![1].withPayload).toEqual(['imageId', 'phash', 'key']);
    expect(searches.mock.calls[0]![1].withPayload).toEqual(['imageId', 'key', 'source']);
    expect(plain.hits[0]!.payload).toBeUndefined();
    expect(plain.hits[0]!.thumbnailUrl).toContain('.thumb256.webp');
    await sut.similar(request({ imageId: ids.get('query'), limit: 2, groupDuplicates: true }));
    expect(searches.mock.calls[1]![1].withPayload).toEqual(['imageId', 'key', 'source', 'sha256', 'phash']);
    const full = await sut.similar(request({ imageId: ids.get('query'), limit: 2, includePayload: true }));
    expect(searches.mock.calls[2]![1].withPayload).toBe(true);
    expect(full.hits[0]!.payload).toMatchObject({ imageId: ids.get('near'), tags: ['cat', 'indoor'] });
  });

  it('keeps the query image when exclude_self is false', async () => {
    const { sut } = build();
    const res = await sut.similar(request({ imageId: ids.get('query'), excludeSelf: false, limit: 2 }));
    expect(res.hits.map((h) => name(h.imageId))).toEqual(['query', 'near']);
    expect(res.hits[0]!.score).toBeCloseTo(1, 5);
  });

  it('answers an unknown and a foreign image id with the same not_found', async () => {
    const { sut } = build();
    const foreign = (await seed(store, 'bob', [{ name: 'secret', vector: vec(1) }])).get('secret')!;
    const missing = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
    for (const imageId of [foreign, missing]) {
      const error = await sut.similar(request({ imageId })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LookalikeError);
      expect(error).toMatchObject({ code: ErrorCode.NotFound, message: `image ${imageId} was not found` });
    }
  });

  it('refuses zero and two query kinds, and limits out of range, with invalid_argument', async () => {
    const { sut } = build();
    const cases = [
      request({}),
      request({ imageId: ids.get('query'), textQuery: 'cat' }),
      request({ textQuery: 'cat', vector: packVector(vec(0)) }),
      request({ imageId: ids.get('query'), limit: 0 }),
      request({ imageId: ids.get('query'), limit: 201 }),
      request({ imageId: ids.get('query'), offset: -1 }),
      request({ textQuery: 'cat', phashGate: 2 }),
      request({ vector: packVector(new Float32Array(3).fill(1)) }),
      request({ vector: packVector(new Float32Array(MODEL.dimension)) }),
    ];
    for (const req of cases) {
      await expect(sut.similar(req)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    }
  });

  it("never returns another tenant's points, whatever the query kind, filter, crops or gate", async () => {
    const textVector = packVector(vec(0, 0.005));
    const { sut } = build({
      [Subjects.EmbeddingEmbedText.name]: () =>
        TextEmbedResponse.fromPartial({
          vectors: [textVector],
          modelName: MODEL.name,
          modelVersion: MODEL.version,
        }),
      [Subjects.EmbeddingEmbedImages.name]: () =>
        ImagesEmbedResponse.fromPartial({
          embeddings: [{ vector: packVector(vec(0)), crops: [packVector(vec(0))] }],
          modelName: MODEL.name,
          vectorName: `${MODEL.name}_global`,
        }),
    });
    const own = new Set(ids.values());
    const kinds = [
      { imageId: ids.get('query') },
      { textQuery: 'a cat' },
      { vector: packVector(vec(0)) },
      { imageBytes: Buffer.from('not decoded by the stub') },
    ];
    const variants = [{}, { filter: { tagsAny: ['cat'] } }, { useCrops: true }, { scoreThreshold: 0.5 }];
    for (const kind of kinds) {
      for (const variant of variants) {
        const res = await sut.similar(request({ ...kind, ...variant, limit: 50 }));
        expect(res.hits.length).toBeGreaterThan(0);
        for (const hit of res.hits) expect(own.has(hit.imageId)).toBe(true);
      }
    }
    const gated = await sut.similar(request({ imageId: ids.get('query'), phashGate: 8, useCrops: true }));
    for (const hit of gated.hits) expect(own.has(hit.imageId)).toBe(true);
  });

  it('applies the filter language (tags, quality)', async () => {
    const { sut } = build();
    const tagged = await sut.similar(
      request({ imageId: ids.get('query'), filter: { tagsAll: ['cat', 'indoor'] } }),
    );
    expect(tagged.hits.map((h) => name(h.imageId))).toEqual(['near']);
    const quality = await sut.similar(request({ imageId: ids.get('query'), filter: { minQuality: 0.5 } }));
    expect(quality.hits.map((h) => name(h.imageId))).not.toContain('mid');
    expect(quality.hits.length).toBe(3);
  });

  it('merges crop matches by max score per point with use_crops', async () => {
    const { sut } = build();
    const plain = await sut.similar(request({ imageId: ids.get('query'), limit: 2 }));
    expect(plain.hits.map((h) => name(h.imageId))).toEqual(['near', 'mid']);
    const crops = await sut.similar(request({ imageId: ids.get('query'), limit: 2, useCrops: true }));
    // The cropped image's region is nearer than any whole image; its row keeps the best score once.
    expect(crops.hits.map((h) => name(h.imageId))).toEqual(['cropped', 'near']);
    expect(crops.hits[0]!.score).toBeCloseTo(Math.cos(0.05), 5);
  });

  it('gates by pHash first (chunks up to 3, a scan above) and ranks the survivors by cosine', async () => {
    const { sut } = build();
    const within1 = await sut.similar(request({ imageId: ids.get('query'), phashGate: 1 }));
    expect(within1.hits.map((h) => name(h.imageId))).toEqual(['near']);
    const within8 = await sut.similar(request({ imageId: ids.get('query'), phashGate: 8 }));
    expect(within8.hits.map((h) => name(h.imageId))).toEqual(['near', 'mid']);
    const none = await sut.similar(request({ imageId: ids.get('query'), phashGate: 0 }));
    expect(none.hits).toEqual([]);
  });

  it('collapses exact and near copies of a hit into one row with group_duplicates', async () => {
    const { sut } = build();
    const grouped = await sut.similar(request({ imageId: ids.get('query'), groupDuplicates: true }));
    // near (0001) and mid (00ff) differ from each other in 7 bits: above the default 6, so two rows.
    expect(grouped.hits.map((h) => name(h.imageId)).slice(0, 2)).toEqual(['near', 'mid']);
    expect(grouped.hits.length).toBe(4);
    await seed(store, 'alice', [{ name: 'near-copy', vector: vec(0, 0.3), phash: 'ffff000000000003' }]);
    const regrouped = await sut.similar(request({ imageId: ids.get('query'), groupDuplicates: true }));
    expect(regrouped.hits[0]).toMatchObject({ imageId: ids.get('near') });
    expect(regrouped.hits[0]!.duplicates).toHaveLength(1);
    expect(regrouped.hits.length).toBe(4);
  });

  it('pages with offset in a stable order, equal scores broken the same way every time', async () => {
    const { sut } = build();
    const twins = Array.from({ length: 6 }, (_, i) => ({ name: `tie${i}`, vector: vec(7) }));
    await seed(store, 'alice', twins);
    const query = { vector: packVector(vec(7)), limit: 2 };
    const pages = [];
    for (let offset = 0; offset < 6; offset += 2) {
      pages.push(...idsOf((await sut.similar(request({ ...query, offset }))).hits));
    }
    expect(new Set(pages).size).toBe(6);
    const all = idsOf((await sut.similar(request({ ...query, limit: 6 }))).hits);
    expect(pages).toEqual(all);
    expect(idsOf((await sut.similar(request({ ...query, limit: 6 }))).hits)).toEqual(all);
  });

  it('signs preview and thumbnail URLs for the thumbnails beside each hit, payload only when asked', async () => {
    const { sut } = build();
    const res = await sut.similar(request({ imageId: ids.get('query'), limit: 1 }));
    const id = ids.get('near')!;
    expect(res.hits[0]).toMatchObject({
      previewUrl: `https://signed.example/alice/2026/01/${id}.thumb1024.webp?sig=1`,
      thumbnailUrl: `https://signed.example/alice/2026/01/${id}.thumb256.webp?sig=1`,
      payload: undefined,
    });
    const withPayload = await sut.similar(
      request({ imageId: ids.get('query'), limit: 1, includePayload: true }),
    );
    expect(withPayload.hits[0]!.payload).toMatchObject({
      imageId: id,
      ownerUserId: 'alice',
      tags: ['cat', 'indoor'],
    });
  });

  it('says which hits are frames of a video, asking SQL only about hits whose source is video', async () => {
    const frames = await seed(store, 'alice', [{ name: 'frame', vector: vec(0, 0.05), source: 'video' }]);
    const frameId = frames.get('frame')!;
    // The frame lookup at the port edge (SQL in the service).
    const framesOf = jest.fn(
      async (_owner: string, imageIds: readonly string[]) =>
        new Map(imageIds.map((id) => [id, { videoId: 'video-1', frameIndex: 120, tMs: 4000, shotId: 2 }])),
    );
    const sut = new SearchService(
      new VectorIndexRepository(store),
      new EmbeddingRepository(rpcStub({}).rpc, config),
      new ImageUrlRepository(objects as unknown as ObjectStore, config),
      verifierStub() as unknown as LocalFeaturesRepository,
      config,
      { framesOf } as unknown as VideoFrameRepository,
    );
    const res = await sut.similar(request({ imageId: ids.get('query'), limit: 3 }));
    expect(res.hits.map((h) => [h.imageId, h.video?.tMs])).toEqual([
      [frameId, 4000],
      [ids.get('near'), undefined],
      [ids.get('mid'), undefined],
    ]);
    expect(framesOf).toHaveBeenCalledWith('alice', [frameId]);
    framesOf.mockClear();
    await sut.similar(request({ imageId: ids.get('query'), limit: 3, filter: { tagsAny: ['dog'] } }));
    expect(framesOf).not.toHaveBeenCalled();
  });

  it('caches text query vectors per model and passes model_unavailable through', async () => {
    const text = jest.fn(() =>
      TextEmbedResponse.fromPartial({
        vectors: [packVector(vec(3))],
        modelName: MODEL.name,
        modelVersion: MODEL.version,
      }),
    );
    const { sut, send } = build({ [Subjects.EmbeddingEmbedText.name]: text });
    const first = await sut.similar(request({ textQuery: 'a far thing', limit: 1 }));
    const again = await sut.similar(request({ textQuery: 'a far thing', limit: 1 }));
    expect(first.hits.map((h) => name(h.imageId))).toEqual(['far']);
    expect(again.hits).toEqual(first.hits.map((h) => ({ ...h })));
    expect(text).toHaveBeenCalledTimes(1);
    await sut.similar(request({ textQuery: 'another', limit: 1 }));
    await sut.similar(request({ textQuery: 'a third', limit: 1 }));
    await sut.similar(request({ textQuery: 'a far thing', limit: 1 }));
    // The cache holds two entries (SEARCH_TEXT_CACHE_SIZE=2): the first text was evicted.
    expect(text).toHaveBeenCalledTimes(4);
    expect(send.mock.calls.filter(([s]) => s === Subjects.EmbeddingModelInfo)).toHaveLength(1);

    const unavailable = new LookalikeError(
      ErrorCode.ModelUnavailable,
      'no text encoder: mobilenet is image-only',
    );
    const { sut: noText } = build({
      [Subjects.EmbeddingEmbedText.name]: () => {
        throw unavailable;
      },
    });
    await expect(noText.similar(request({ textQuery: 'cat' }))).rejects.toBe(unavailable);
  });

  it('deletes a staged query image after use, also when the search fails', async () => {
    const { sut } = build({
      [Subjects.EmbeddingEmbedImages.name]: () => {
        throw new LookalikeError(ErrorCode.UnsupportedMediaType, 'not an image');
      },
    });
    await expect(sut.similar(request({ stagedKey: 'alice/2026/01/01JSTAGED.jpg' }))).rejects.toMatchObject({
      code: ErrorCode.UnsupportedMediaType,
    });
    expect(objects.delete).toHaveBeenCalledWith('alice/2026/01/01JSTAGED.jpg');
    await expect(sut.similar(request({ stagedKey: 'bob/2026/01/01JSTAGED.jpg' }))).rejects.toMatchObject({
      code: ErrorCode.PermissionDenied,
    });
    expect(objects.delete).toHaveBeenCalledTimes(1);
  });

  it('answers a query against an empty index with no hits, and an image_id with not_found', async () => {
    store = new MemoryVectorStore();
    const { sut } = build();
    expect((await sut.similar(request({ vector: packVector(vec(0)) }))).hits).toEqual([]);
    await expect(sut.similar(request({ imageId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
  });
  describe('verified re-ranking', () => {
    const embedImage = {
      [Subjects.EmbeddingEmbedImages.name]: () =>
        ImagesEmbedResponse.fromPartial({
          embeddings: [{ vector: packVector(vec(0)), crops: [] }],
          modelName: MODEL.name,
          vectorName: `${MODEL.name}_global`,
        }),
    };
    const names = (hits: { imageId: string }[]) => hits.map((h) => name(h.imageId));

    it('puts verified copies first, most inliers first, and the rest in score order', async () => {
      const verifier = verifierStub(true, {
        [ids.get('far')!]: copy(40),
        [ids.get('cropped')!]: copy(80, true),
        [ids.get('near')!]: unrelated,
      });
      const { sut } = build({}, verifier);
      const searches = jest.spyOn(store, 'search');
      const res = await sut.similar(request({ imageId: ids.get('query'), limit: 3 }));
      expect(names(res.hits)).toEqual(['cropped', 'far', 'near']);
      expect(res.hits.map((h) => h.verified)).toEqual([true, true, false]);
      expect(res.hits[0]!.evidence).toEqual({ inliers: 80, coverage: 0.8, mirrored: true, viaImageId: '' });
      expect(res.hits[2]!.evidence).toBeUndefined();
      // verify unset, limit 3: on by default, over the wider window (90, plus the query's own point).
      expect(searches.mock.calls[0]![1].limit).toBe(91);
      const [query, candidates] = verifier.verify.mock.calls[0]!;
      expect(query).toEqual({
        stored: { imageId: ids.get('query'), key: `alice/2026/01/${ids.get('query')}.jpg` },
      });
      expect(candidates.map((c) => name(c.imageId)).sort()).toEqual(['cropped', 'far', 'mid', 'near']);
    });

    it('verifies the rest of the window against the verified hits: a copy of a copy counts', async () => {
      // near fails against the query (a blurred query, say) but matches far, which the query verified.
      const verifier = verifierStub(
        true,
        { [ids.get('far')!]: copy(40), [ids.get('near')!]: unrelated, [ids.get('mid')!]: unrelated },
        { [ids.get('far')!]: { [ids.get('near')!]: copy(60) } },
      );
      const { sut } = build({}, verifier);
      const res = await sut.similar(request({ imageId: ids.get('query'), verify: true, limit: 3 }));
      expect(names(res.hits)).toEqual(['near', 'far', 'mid']);
      expect(res.hits.map((h) => h.verified)).toEqual([true, true, false]);
      expect(res.hits[0]!.evidence).toEqual({
        inliers: 60,
        coverage: 0.8,
        mirrored: false,
        viaImageId: ids.get('far'),
      });
      expect(res.hits[1]!.evidence!.viaImageId).toBe('');
      // One hop from far, over the candidates still unverified (near, mid); cropped has no features.
      expect(verifier.verify).toHaveBeenCalledTimes(2);
      const [anchor, open] = verifier.verify.mock.calls[1]!;
      expect(anchor).toEqual({
        stored: { imageId: ids.get('far'), key: `alice/2026/01/${ids.get('far')}.jpg` },
      });
      expect(open.map((c) => name(c.imageId)).sort()).toEqual(['mid', 'near']);
    });

    it('verifies pHash neighbours the embedding ranks outside the window, and keeps them only when verified', async () => {
      // A blurred copy: its vector points away from the query's, its hash is 4 bits from it.
      const more = await seed(store, 'alice', [
        { name: 'blurred', vector: vec(0, 3), phash: 'ffff00000000f000' },
      ]);
      ids.set('blurred', more.get('blurred')!);
      const narrow = { ...config, SEARCH_VERIFY_MIN_CANDIDATES: 1 };
      const verifier = verifierStub(true, { [ids.get('blurred')!]: copy(30) });
      const { sut } = build({}, verifier, narrow);
      const res = await sut.similar(request({ imageId: ids.get('query'), verify: true, limit: 1 }));
      expect(names(res.hits)).toEqual(['blurred']);
      expect(res.hits[0]!.verified).toBe(true);
      // The window (3 rows for limit 1) plus the hash neighbour, the query itself left out.
      const asked = verifier.verify.mock.calls[0]![1].map((c) => name(c.imageId));
      expect(asked).toHaveLength(4);
      expect(asked).toContain('blurred');
      expect(asked).not.toContain('query');

      // Not verified: it stays where the embedding put it, out of the page.
      const failing = verifierStub(true, {});
      const plain = await build({}, failing, narrow).sut.similar(
        request({ imageId: ids.get('query'), verify: true, limit: 1 }),
      );
      expect(names(plain.hits)).toEqual(['near']);
      expect(failing.verify.mock.calls[0]![1].map((c) => name(c.imageId))).toContain('blurred');
    });

    it('cuts every page from the same re-ranked window', async () => {
      const verifier = verifierStub(true, { [ids.get('far')!]: copy(40) });
      const { sut } = build({}, verifier);
      const pages = [];
      for (let offset = 0; offset < 4; offset += 1) {
        pages.push(
          ...(await sut.similar(request({ imageId: ids.get('query'), verify: true, limit: 1, offset }))).hits,
        );
      }
      expect(names(pages)).toEqual(['far', 'near', 'mid', 'cropped']);
    });

    it('verifies an uploaded query from its bytes', async () => {
      const verifier = verifierStub(true, { [ids.get('mid')!]: copy(25) });
      const { sut } = build(embedImage, verifier);
      const bytes = Buffer.from('query image bytes');
      const res = await sut.similar(request({ imageBytes: bytes, verify: true, limit: 2 }));
      expect(names(res.hits)).toEqual(['mid', 'query']);
      expect(res.hits.map((h) => h.verified)).toEqual([true, false]);
      expect(verifier.verify.mock.calls[0]![0]).toEqual({ bytes });
    });

    it('answers unverified in score order when the pool is busy, and when there is no pool', async () => {
      const busy = verifierStub(true);
      busy.verify.mockRejectedValue(new LookalikeError(ErrorCode.Busy, 'local-feature workers are busy'));
      const plain = await build({}, verifierStub()).sut.similar(
        request({ imageId: ids.get('query'), verify: false, limit: 2 }),
      );
      const fromBusy = await build({}, busy).sut.similar(request({ imageId: ids.get('query'), limit: 2 }));
      expect(names(fromBusy.hits)).toEqual(names(plain.hits));
      expect(fromBusy.hits.every((h) => !h.verified && h.evidence === undefined)).toBe(true);

      const none = verifierStub(false);
      const fromNone = await build({}, none).sut.similar(
        request({ imageId: ids.get('query'), verify: true, limit: 2 }),
      );
      expect(names(fromNone.hits)).toEqual(names(plain.hits));
      expect(none.verify).not.toHaveBeenCalled();
    });

    it('leaves verification off above the default limit, when asked, and for text and vector queries', async () => {
      const verifier = verifierStub(true, { [ids.get('far')!]: copy(40) });
      const { sut } = build(
        {
          [Subjects.EmbeddingEmbedText.name]: () =>
            TextEmbedResponse.fromPartial({
              vectors: [packVector(vec(0))],
              modelName: MODEL.name,
              modelVersion: MODEL.version,
            }),
        },
        verifier,
      );
      await sut.similar(request({ imageId: ids.get('query'), limit: 21 }));
      await sut.similar(request({ imageId: ids.get('query'), limit: 5, verify: false }));
      await sut.similar(request({ textQuery: 'a cat', limit: 5 }));
      await sut.similar(request({ vector: packVector(vec(0)), limit: 5 }));
      expect(verifier.verify).not.toHaveBeenCalled();
      const explicit = await sut.similar(request({ imageId: ids.get('query'), limit: 21, verify: true }));
      expect(name(explicit.hits[0]!.imageId)).toBe('far');
    });

    it('refuses verify with a text or vector query, and pages beyond the verification window', async () => {
      const { sut } = build({}, verifierStub(true));
      for (const req of [
        request({ textQuery: 'a cat', verify: true }),
        request({ vector: packVector(vec(0)), verify: true }),
        request({ imageId: ids.get('query'), verify: true, limit: 100, offset: 21 }),
      ]) {
        await expect(sut.similar(req)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
      }
    });
  });
});

describe('bestFramePerVideo (group_by_video)', () => {
  const row = (imageId: string, source = 'video'): Row => ({
    hit: { id: imageId, score: 1, payload: { imageId, source } as ImagePayload },
    duplicates: [],
  });
  const ref = (videoId: string, tMs: number): VideoFrameRef => ({
    videoId,
    frameIndex: tMs / 40,
    tMs,
    shotId: 0,
  });

  it('keeps the best-ranked frame of each video, counts its others, and leaves stills in place', () => {
    const rows = [row('f1'), row('s1', 'upload'), row('f2'), row('g1'), row('f3')];
    const frames = new Map([
      ['f1', ref('v1', 4000)],
      ['f2', ref('v1', 6000)],
      ['f3', ref('v1', 8000)],
      ['g1', ref('v2', 0)],
    ]);
    const out = bestFramePerVideo(rows, frames);
    expect(out.map((r) => [r.hit.payload!.imageId, r.videoFrames])).toEqual([
      ['f1', 3],
      ['s1', undefined],
      ['g1', 1],
    ]);
  });
});
