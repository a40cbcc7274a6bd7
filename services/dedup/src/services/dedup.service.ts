import { Inject, Injectable } from '@nestjs/common';
import {
  ErrorCode,
  LookalikeError,
  type DecisionRecordRequest,
  type DuplicateGroup,
  type Empty,
  type GroupListRequest,
  type GroupListResponse,
  type GroupResolveRequest,
  type GroupResolveResponse,
  type ImageCheckRequest,
  type ImageCheckResponse,
  type JobRef,
  type PairEvidence,
  type ScanStartRequest,
  requireCaller,
} from '@lookalike/contracts';
import type { PairGeometry } from '@lookalike/local-features';
import {
  DEDUP_MEDIA,
  memberId,
  type DedupGroupEntity,
  type DedupMedia,
  type PairDecision,
} from '@lookalike/persistence';
import { DEDUP_KINDS, pairKey, type DedupKind } from '../domain/dedup-image';
import { runSweep, type Neighbour } from '../domain/dedup-sweep';
import type { DedupThresholds } from '../domain/dedup-thresholds';
import { derivedVariants, HASH_VARIANTS } from '../domain/phash-variants';
import { checkDurationHistogram, checkQueueGauge, checkQueueWaitHistogram } from '../metrics/dedup.metrics';
import { DedupStoreRepository } from '../repositories/dedup-store.repository';
import { ImageIndexRepository, type IndexedImage } from '../repositories/image-index.repository';
import { CheckQueue, type CheckContext } from './check-queue';
import { DedupJobsService } from './dedup-jobs.service';
import { LocalFeaturesRepository } from '../repositories/local-features.repository';
import { sweepVerification } from './verification';
import { DEDUP_SETTINGS, type DedupSettings } from './dedup-settings';
import { DecisionSignalsService } from './decision-signals.service';

export const DUPLICATE_TAG = 'duplicate';
/** Candidates an ingest-time check reads from each index. */
const CHECK_CANDIDATES = 50;

function toGroup(g: DedupGroupEntity): DuplicateGroup {
  return {
    groupId: g.groupId,
    kind: g.kind,
    status: g.status,
    suggestedKeep: g.suggestedKeep?.trim() ?? '',
    media: g.media,
    members: g.members.map((m) => ({
      imageId: m.imageId,
      hamming: m.hamming ?? 0,
      cosine: m.cosine ?? 0,
      qualityScore: (m as { qualityScore?: number }).qualityScore ?? 0,
      evidence: m.evidence ? toEvidence(m.evidence) : undefined,
      video: m.video ? { ...m.video, alignedWith: m.video.alignedWith ?? '' } : undefined,
    })),
  };
}

/** A member's stored evidence (MemberEvidence, geometry from the keep to it) as the contract carries it. */
function toEvidence(e: { rule: string; geometry?: object }): PairEvidence {
  const g = e.geometry as PairGeometry | undefined;
  return {
    rule: e.rule,
    verified: g?.verified ?? false,
    inliers: g?.inliers ?? 0,
    matches: g?.matches ?? 0,
    coverage: g?.coverage ?? 0,
    mirrored: g?.mirrored ?? false,
    homography: g?.homography ?? [],
    keepRegion: g?.regionA ?? undefined,
    memberRegion: g?.regionB ?? undefined,
    points: g?.points.flat() ?? [],
  };
}

function chunksOf(hex: string): string[] {
  return [0, 1, 2, 3].map((i) => `${i}:${hex.slice(i * 4, i * 4 + 4)}`);
}

const CHECK_OUTCOMES: readonly string[] = [ErrorCode.Busy, ErrorCode.Timeout, ErrorCode.NotFound];

/**
 * The neighbours of a checked image whose own kNN lists can change a verdict: a `similar` pair
 * needs each image within the other's `similarMutualK` nearest (cosine rule) or both each other's
 * nearest (mutual-nn rule), so only those ranked that high in the image's list, with a cosine that
 * reaches the rule, are asked for their lists. Every other candidate can only be `exact` or `near`
 * (hashes), which no rank affects.
 */
export function similarCandidates<T extends { score: number }>(own: readonly T[], t: DedupThresholds): T[] {
  return own.filter(
    (hit, rank) =>
      (rank < t.similarMutualK && hit.score >= t.cosineSimilar) ||
      (rank === 0 && t.mutualCosine !== null && hit.score >= t.mutualCosine),
  );
}

/** The candidates' vectors, read once (in one call) the first time the sweep asks for a cosine. */
class CandidateVectors {
  private loaded?: Promise<Map<string, Float32Array>>;
  private readonly pointOf: Map<string, string>;

  constructor(
    private readonly tenant: string,
    private readonly model: string | null,
    private readonly index: ImageIndexRepository,
    private readonly images: readonly IndexedImage[],
    private readonly checked: IndexedImage,
    private readonly checkedVector: Float32Array | undefined,
  ) {
    this.pointOf = new Map(images.map((im) => [im.imageId, im.pointId]));
  }

  private load(): Promise<Map<string, Float32Array>> | undefined {
    const model = this.model;
    if (!model) return undefined;
    this.loaded ??= this.index
      .vectors(
        this.tenant,
        model,
        this.images
          .filter((im) => im.imageId !== this.checked.imageId || !this.checkedVector)
          .map((im) => im.pointId),
      )
      .then((vectors) => {
        if (this.checkedVector) vectors.set(this.checked.pointId, this.checkedVector);
        return vectors;
      });
    return this.loaded;
  }

  /** Starts the read now, beside the other reads of the check. */
  prefetch(): void {
    void this.load()?.catch(() => undefined);
  }

  async cosines(pairs: ReadonlyArray<readonly [string, string]>): Promise<number[]> {
    const loading = this.load();
    if (!loading) return pairs.map(() => -1);
    const vectors = await loading;
    return pairs.map(([a, b]) => {
      const va = vectors.get(this.pointOf.get(a) ?? '');
      const vb = vectors.get(this.pointOf.get(b) ?? '');
      return va && vb ? dot(va, vb) : -1;
    });
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i] * b[i];
  return s;
}

@Injectable()
export class DedupService {
  private readonly checks: CheckQueue;
  private readonly checkDuration = checkDurationHistogram();
  private readonly queueWait = checkQueueWaitHistogram();

  constructor(
    private readonly index: ImageIndexRepository,
    private readonly store: DedupStoreRepository,
    private readonly jobs: DedupJobsService,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
    private readonly features: LocalFeaturesRepository,
    private readonly signals: DecisionSignalsService,
  ) {
    this.checks = new CheckQueue({
      concurrency: settings.config.DEDUP_CHECK_CONCURRENCY,
      maxWaiting: settings.config.DEDUP_CHECK_QUEUE_MAX,
    });
    const checks = this.checks;
    checkQueueGauge(() => checks.depth);
  }

  async startScan(req: ScanStartRequest): Promise<JobRef> {
    const caller = requireCaller(req.caller);
    const job = await this.jobs.submitScan(caller.ownerUserId);
    return { jobId: job.jobId };
  }

  async listGroups(req: GroupListRequest): Promise<GroupListResponse> {
    const caller = requireCaller(req.caller);
    if (req.kind && !(DEDUP_KINDS as readonly string[]).includes(req.kind)) {
      throw LookalikeError.invalid(`kind must be one of ${DEDUP_KINDS.join(', ')}`);
    }
    if (req.status && req.status !== 'open' && req.status !== 'resolved') {
      throw LookalikeError.invalid('status must be open or resolved');
    }
    if (req.media && !(DEDUP_MEDIA as readonly string[]).includes(req.media)) {
      throw LookalikeError.invalid(`media must be one of ${DEDUP_MEDIA.join(', ')}`);
    }
    const page = await this.store.listGroups(caller.ownerUserId, {
      kind: (req.kind || undefined) as DedupKind | undefined,
      status: (req.status || undefined) as 'open' | 'resolved' | undefined,
      media: (req.media || undefined) as DedupMedia | undefined,
      cursor: req.cursor || undefined,
      limit: req.limit || undefined,
    });
    return { groups: page.items.map(toGroup), nextCursor: page.nextCursor ?? '' };
  }

  /**
   * Stores the reviewer's verdicts: every duplicate is paired with every keep as `duplicate`,
   * each not-duplicate pair as `not_duplicate` (later sweeps never pair them again). Duplicates
   * get the `duplicate` tag and a deletion job due after the undo window; resolving the group
   * again with an image under `keep` removes its tag and cancels its pending deletion.
   */
  async resolveGroup(req: GroupResolveRequest): Promise<GroupResolveResponse> {
    const caller = requireCaller(req.caller);
    const group = await this.store.getGroup(caller.ownerUserId, req.groupId);
    if (!group) throw LookalikeError.notFound('dedup group', req.groupId);
    const members = new Set(group.members.map(memberId));
    const what = group.media === 'video' ? 'videos' : 'images';
    const keep = [...new Set(req.keep)];
    const duplicates = [...new Set(req.duplicates)];
    const mentioned = [...keep, ...duplicates, ...req.notDuplicate.flatMap((p) => [p.a, p.b])];
    const outside = mentioned.filter((id) => !members.has(id));
    if (outside.length > 0) throw LookalikeError.invalid(`${what} outside the group`, { ids: outside });
    if (keep.some((id) => duplicates.includes(id)))
      throw LookalikeError.invalid(
        `${what === 'videos' ? 'a video' : 'an image'} is both kept and a duplicate`,
      );
    if (req.notDuplicate.some((p) => p.a === p.b))
      throw LookalikeError.invalid(`a not-duplicate pair needs two ${what}`);
    if (duplicates.length > 0 && keep.length === 0) {
      throw LookalikeError.invalid(`marking duplicates needs at least one of the ${what} to keep`);
    }
    const decisions: PairDecision[] = [];
    for (const d of duplicates)
      for (const k of keep) decisions.push({ imageA: k, imageB: d, verdict: 'duplicate' });
    for (const p of req.notDuplicate) decisions.push({ imageA: p.a, imageB: p.b, verdict: 'not_duplicate' });
    const resolved = await this.store.resolveGroup(
      caller.ownerUserId,
      group.groupId,
      caller.userId,
      decisions,
    );
    // Thresholds that learn: the decided pairs' signals while their vectors and verdicts exist
    // (a video's pairs are judged by alignment, which the image signals do not describe).
    if (group.media !== 'video' && decisions.length > 0) {
      await this.signals.capture(
        caller.ownerUserId,
        decisions.map((d) => [d.imageA, d.imageB] as const),
      );
    }

    if (group.media === 'video') {
      await this.store.setTag(caller.ownerUserId, duplicates, DUPLICATE_TAG, true, 'video');
      await this.store.setTag(caller.ownerUserId, keep, DUPLICATE_TAG, false, 'video');
    } else {
      await this.retag(caller.ownerUserId, duplicates, keep);
    }
    await this.jobs.cancelPendingDeletes(caller.ownerUserId, group.groupId);
    const window = this.settings.config.DEDUP_UNDO_WINDOW_S;
    if (duplicates.length > 0 && window > 0) {
      const ids = group.media === 'video' ? { imageIds: [], videoIds: duplicates } : { imageIds: duplicates };
      await this.jobs.submitDelete(
        caller.ownerUserId,
        { ...ids, groupId: group.groupId, userId: caller.userId },
        new Date(Date.now() + window * 1000),
      );
    }
    return { group: toGroup(resolved) };
  }

  /** One pair verdict outside any group (feedback of kind duplicate); both images must be the caller's. */
  async recordDecision(req: DecisionRecordRequest): Promise<Empty> {
    const c = requireCaller(req.caller);
    if (req.verdict !== 'duplicate' && req.verdict !== 'not_duplicate') {
      throw LookalikeError.invalid('verdict must be duplicate or not_duplicate');
    }
    if (!req.imageA || !req.imageB || req.imageA === req.imageB) {
      throw LookalikeError.invalid('a decision needs two different images');
    }
    for (const id of [req.imageA, req.imageB]) {
      if (!(await this.index.findImage(c.ownerUserId, id))) throw LookalikeError.notFound('image', id);
    }
    await this.store.recordDecision(c.ownerUserId, c.userId, {
      imageA: req.imageA,
      imageB: req.imageB,
      verdict: req.verdict,
    });
    await this.signals.capture(c.ownerUserId, [[req.imageA, req.imageB]]);
    return {};
  }

  /**
   * The ingest-time check, through the bounded check queue: refused at once (busy) when the queue
   * is full or the check could not finish within the caller's `wait_ms`, abandoned once that time
   * has passed. See `check` for what it reads.
   */
  async checkImage(req: ImageCheckRequest): Promise<ImageCheckResponse> {
    const caller = requireCaller(req.caller);
    const arrived = Date.now();
    const deadline = req.waitMs > 0 ? arrived + req.waitMs : undefined;
    let outcome = 'ok';
    try {
      return await this.checks.run(deadline, (context) => {
        this.queueWait.observe(context.waitedMs / 1000);
        return this.check(caller.ownerUserId, req.imageId, context);
      });
    } catch (error) {
      outcome = error instanceof LookalikeError && CHECK_OUTCOMES.includes(error.code) ? error.code : 'error';
      throw error;
    } finally {
      this.checkDuration.observe({ outcome }, (Date.now() - arrived) / 1000);
    }
  }

  /**
   * The new image against the collection, reading only what can change its verdicts: the image
   * with its vector (one read); then together the images sharing a pHash chunk of its hash or
   * derived variants (one indexed read; sha256 twins share every chunk) and its k nearest
   * neighbours (one search); then together the kNN lists of the few neighbours that could be
   * `similar` to it (the mutual-rank rule; one batched call, 0-5 sources), the candidates'
   * vectors when a cosine will be missing (one read) and the not-duplicate decisions between the
   * candidates (indexed SQL). The same `runSweep` judges them; the groups holding the new image
   * are saved.
   */
  private async check(tenant: string, imageId: string, context: CheckContext): Promise<ImageCheckResponse> {
    const model = await this.index.activeModel(this.settings.config.DEDUP_MODEL);
    const found = await this.index.findImage(tenant, imageId, model ?? undefined);
    if (!found) throw LookalikeError.notFound('image', imageId);
    context.live();
    const { image, vector } = found;
    const thresholds = await this.settings.thresholds(model ?? '', tenant);
    const k = this.settings.config.DEDUP_KNN_K;
    const probes = image.phash
      ? [
          image.phash,
          ...(thresholds.hashVariants ? HASH_VARIANTS.map((v) => derivedVariants(image.phash)[v]) : []),
        ]
      : [];
    // The hash candidates and the nearest neighbours are independent reads: asked together.
    const [sharing, nearest] = await Promise.all([
      this.index.sharingHash(tenant, probes.flatMap(chunksOf), image.sha256, CHECK_CANDIDATES),
      model && vector ? this.index.nearest(tenant, model, vector, k + 1) : Promise.resolve([]),
    ]);
    const candidates = new Map<string, IndexedImage>([[image.imageId, image]]);
    for (const c of sharing) candidates.set(c.imageId, c);
    // Its own kNN list (itself left out) is the nearest search: no second search for it.
    const own = nearest.filter((hit) => hit.image.imageId !== image.imageId).slice(0, k);
    for (const hit of own) candidates.set(hit.image.imageId, hit.image);
    if (candidates.size < 2) return { matches: [], kinds: [] };
    context.live();
    const all = [...candidates.values()];
    const byPoint = new Map(all.map((im) => [im.pointId, im]));
    const neighbours = new Map<string, Neighbour[]>([
      [image.imageId, own.map((hit) => ({ id: hit.image.imageId, score: hit.score }))],
    ]);
    const mates = model ? similarCandidates(own, thresholds).map((hit) => hit.image.pointId) : [];
    const vectors = new CandidateVectors(tenant, model, this.index, all, image, vector);
    // Cosines are needed for hash-only candidates and for the members of a group; with neither in
    // sight (a new image nothing resembles) the vectors are never read.
    const hashOnly = candidates.size > own.length + 1;
    const mayGroup =
      own.length > 0 && own[0].score >= Math.min(thresholds.cosineNear, thresholds.cosineSimilar);
    if (hashOnly || mayGroup) vectors.prefetch();
    const [lists, notDuplicate] = await Promise.all([
      model ? this.index.rankedNeighbours(tenant, model, k, byPoint, mates) : Promise.resolve(new Map()),
      this.store.notDuplicatePairs(tenant, [...candidates.keys()]),
    ]);
    for (const [id, list] of lists) neighbours.set(id, list);
    context.live();
    const verification = sweepVerification(
      this.features,
      tenant,
      this.settings.config,
      all,
      image.imageId,
      thresholds.minInliers,
    );
    const result = await runSweep({
      images: all,
      neighbours,
      cosines: (pairs) => vectors.cosines(pairs),
      thresholds,
      keepRules: this.settings.keepRules,
      notDuplicate,
      maxBucket: this.settings.config.DEDUP_MAX_BUCKET,
      verification,
    });
    await verification?.flush();
    context.live();
    const mine = result.pairs.filter((p) => p.a === image.imageId || p.b === image.imageId);
    const kinds = new Set<DedupKind>();
    const matches = mine
      .map((p) => {
        kinds.add(p.verdict.kind);
        const other = p.a === image.imageId ? p.b : p.a;
        return {
          imageId: other,
          hamming: p.verdict.hamming,
          cosine: p.verdict.cosine,
          qualityScore: candidates.get(other)?.qualityScore ?? 0,
          kind: p.verdict.kind,
          strength: DEDUP_KINDS.indexOf(p.verdict.kind),
        };
      })
      .sort((x, y) => x.strength - y.strength || y.cosine - x.cosine)
      .map(({ strength: _strength, ...m }) => m);
    for (const group of result.groups) {
      if (!group.members.some((m) => m.imageId === image.imageId)) continue;
      if (
        group.members.some((m, i) =>
          group.members.slice(i + 1).some((o) => notDuplicate.has(pairKey(m.imageId, o.imageId))),
        )
      )
        continue;
      await this.store.saveGroup(tenant, group, null);
    }
    return { matches, kinds: DEDUP_KINDS.filter((kind) => kinds.has(kind)) };
  }

  private async retag(tenant: string, duplicates: string[], keep: string[]): Promise<void> {
    const images = new Map<string, IndexedImage>();
    for (const id of [...duplicates, ...keep]) {
      const found = await this.index.findImage(tenant, id);
      if (found) images.set(id, found.image);
    }
    for (const id of duplicates) {
      const im = images.get(id);
      if (im && !im.tags.includes(DUPLICATE_TAG))
        await this.index.setTags(tenant, im, [...im.tags, DUPLICATE_TAG]);
    }
    for (const id of keep) {
      const im = images.get(id);
      if (im?.tags.includes(DUPLICATE_TAG))
        await this.index.setTags(
          tenant,
          im,
          im.tags.filter((t) => t !== DUPLICATE_TAG),
        );
    }
    await this.store.setTag(tenant, duplicates, DUPLICATE_TAG, true);
    await this.store.setTag(tenant, keep, DUPLICATE_TAG, false);
  }
}
