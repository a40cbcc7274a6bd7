import { Inject, Injectable } from '@nestjs/common';
import {
  LookalikeError,
  type Caller,
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
  type ScanStartRequest,
} from '@lookalike/contracts';
import type { DedupGroupEntity, PairDecision } from '@lookalike/persistence';
import { DEDUP_KINDS, pairKey, type DedupKind } from '../domain/dedup-image';
import { runSweep } from '../domain/dedup-sweep';
import { derivedVariants, HASH_VARIANTS } from '../domain/phash-variants';
import { DedupStoreRepository } from '../repositories/dedup-store.repository';
import { ImageIndexRepository, type IndexedImage } from '../repositories/image-index.repository';
import { DedupJobsService } from './dedup-jobs.service';
import { DEDUP_SETTINGS, type DedupSettings } from './dedup-settings';

export const DUPLICATE_TAG = 'duplicate';
/** Candidates an ingest-time check reads from each index. */
const CHECK_CANDIDATES = 50;

function owner(caller: Caller | undefined): Caller & { ownerUserId: string } {
  if (!caller?.ownerUserId) throw LookalikeError.invalid('caller.owner_user_id is required');
  return { ...caller, userId: caller.userId || caller.ownerUserId };
}

function toGroup(g: DedupGroupEntity): DuplicateGroup {
  return {
    groupId: g.groupId,
    kind: g.kind,
    status: g.status,
    suggestedKeep: g.suggestedKeep?.trim() ?? '',
    members: g.members.map((m) => ({
      imageId: m.imageId,
      hamming: m.hamming ?? 0,
      cosine: m.cosine ?? 0,
      qualityScore: (m as { qualityScore?: number }).qualityScore ?? 0,
    })),
  };
}

function chunksOf(hex: string): string[] {
  return [0, 1, 2, 3].map((i) => `${i}:${hex.slice(i * 4, i * 4 + 4)}`);
}

@Injectable()
export class DedupService {
  constructor(
    private readonly index: ImageIndexRepository,
    private readonly store: DedupStoreRepository,
    private readonly jobs: DedupJobsService,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
  ) {}

  async startScan(req: ScanStartRequest): Promise<JobRef> {
    const caller = owner(req.caller);
    const job = await this.jobs.submitScan(caller.ownerUserId);
    return { jobId: job.jobId };
  }

  async listGroups(req: GroupListRequest): Promise<GroupListResponse> {
    const caller = owner(req.caller);
    if (req.kind && !(DEDUP_KINDS as readonly string[]).includes(req.kind)) {
      throw LookalikeError.invalid(`kind must be one of ${DEDUP_KINDS.join(', ')}`);
    }
    if (req.status && req.status !== 'open' && req.status !== 'resolved') {
      throw LookalikeError.invalid('status must be open or resolved');
    }
    const page = await this.store.listGroups(caller.ownerUserId, {
      kind: (req.kind || undefined) as DedupKind | undefined,
      status: (req.status || undefined) as 'open' | 'resolved' | undefined,
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
    const caller = owner(req.caller);
    const group = await this.store.getGroup(caller.ownerUserId, req.groupId);
    if (!group) throw LookalikeError.notFound('dedup group', req.groupId);
    const members = new Set(group.members.map((m) => m.imageId));
    const keep = [...new Set(req.keep)];
    const duplicates = [...new Set(req.duplicates)];
    const mentioned = [...keep, ...duplicates, ...req.notDuplicate.flatMap((p) => [p.a, p.b])];
    const outside = mentioned.filter((id) => !members.has(id));
    if (outside.length > 0) throw LookalikeError.invalid('images outside the group', { image_ids: outside });
    if (keep.some((id) => duplicates.includes(id)))
      throw LookalikeError.invalid('an image is both kept and a duplicate');
    if (req.notDuplicate.some((p) => p.a === p.b))
      throw LookalikeError.invalid('a not-duplicate pair needs two images');
    if (duplicates.length > 0 && keep.length === 0) {
      throw LookalikeError.invalid('marking duplicates needs at least one image to keep');
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

    await this.retag(caller.ownerUserId, duplicates, keep);
    await this.jobs.cancelPendingDeletes(caller.ownerUserId, group.groupId);
    const window = this.settings.config.DEDUP_UNDO_WINDOW_S;
    if (duplicates.length > 0 && window > 0) {
      await this.jobs.submitDelete(
        caller.ownerUserId,
        { imageIds: duplicates, groupId: group.groupId, userId: caller.userId },
        new Date(Date.now() + window * 1000),
      );
    }
    return { group: toGroup(resolved) };
  }

  /** One pair verdict outside any group (feedback of kind duplicate); both images must be the caller's. */
  async recordDecision(req: DecisionRecordRequest): Promise<Empty> {
    const c = owner(req.caller);
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
    return {};
  }

  /**
   * The ingest-time check: the new image against the collection through its sha256, its hash
   * chunks (plain and variants) and its vector's nearest neighbours; a small sweep over those
   * candidates gives the verdicts, and groups holding the new image are saved.
   */
  async checkImage(req: ImageCheckRequest): Promise<ImageCheckResponse> {
    const caller = owner(req.caller);
    const tenant = caller.ownerUserId;
    const model = await this.index.activeModel(this.settings.config.DEDUP_MODEL);
    const found = await this.index.findImage(tenant, req.imageId, model ?? undefined);
    if (!found) throw LookalikeError.notFound('image', req.imageId);
    const { image, vector } = found;
    const thresholds = this.settings.thresholds(model ?? '', tenant);
    const k = this.settings.config.DEDUP_KNN_K;
    const probes = image.phash
      ? [
          image.phash,
          ...(thresholds.hashVariants ? HASH_VARIANTS.map((v) => derivedVariants(image.phash)[v]) : []),
        ]
      : [];
    const candidates = new Map<string, IndexedImage>([[image.imageId, image]]);
    for (const c of await this.index.sharingHash(
      tenant,
      probes.flatMap(chunksOf),
      image.sha256,
      CHECK_CANDIDATES,
    )) {
      candidates.set(c.imageId, c);
    }
    if (model && vector) {
      for (const hit of await this.index.nearest(tenant, model, vector, k + 1))
        candidates.set(hit.image.imageId, hit.image);
    }
    if (candidates.size < 2) return { matches: [], kinds: [] };
    const all = [...candidates.values()];
    const byPoint = new Map(all.map((im) => [im.pointId, im]));
    const pointOf = new Map(all.map((im) => [im.imageId, im.pointId]));
    const neighbours = model
      ? await this.index.neighbours(tenant, model, k, byPoint, [...byPoint.keys()])
      : new Map();
    const notDuplicate = await this.store.notDuplicatePairs(tenant);
    const result = await runSweep({
      images: all,
      neighbours,
      cosines: (pairs) =>
        model
          ? this.index.cosines(tenant, model, pairs, (id) => pointOf.get(id))
          : Promise.resolve(pairs.map(() => -1)),
      thresholds,
      keepRules: this.settings.keepRules,
      notDuplicate,
      maxBucket: this.settings.config.DEDUP_MAX_BUCKET,
    });
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
