import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  LookalikeError,
  type VideoCheckRequest,
  type VideoCheckResponse,
  type VideoDuplicate,
  type VideoDuplicatesRequest,
  type VideoDuplicatesResponse,
  requireCaller,
} from '@lookalike/contracts';
import {
  ImageRepository,
  VideoRepository,
  type DedupKind,
  type ImageEntity,
  type VideoEntity,
} from '@lookalike/persistence';
import { globalVectorName, pointIdFor, VECTOR_STORE, type VectorStore } from '@lookalike/vector-store';
import { alignVideos } from '@lookalike/video';
import { DEDUP_KINDS, KIND_STRENGTH } from '../domain/dedup-image';
import {
  DEFAULT_VIDEO_TIERS,
  planVideoGroups,
  videoTier,
  type StoredVideoGroup,
  type VideoFacts,
  type VideoPair,
  type VideoTierRules,
} from '../domain/video-groups';
import { DedupStoreRepository } from '../repositories/dedup-store.repository';
import { ImageIndexRepository } from '../repositories/image-index.repository';
import { DEDUP_SETTINGS, type DedupSettings } from './dedup-settings';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function factsOf(video: VideoEntity): VideoFacts {
  return {
    videoId: video.videoId,
    posterImageId: video.posterImageId ?? '',
    durationMs: video.durationMs,
    width: video.width,
    height: video.height,
    sizeBytes: Number(video.sizeBytes),
    createdAt: video.createdAt.toISOString(),
  };
}

type TieredPair = VideoPair & { kind: DedupKind };

/**
 * Near-duplicate videos (docs/video.md): a video's kept frames ask the vector index for their
 * nearest frames of other videos (cosine at least VIDEO_MATCH_MIN_COSINE); every video they name
 * is aligned with it (`alignVideos`: one time offset, the matched share of each), and the pair gets
 * a tier. `check` runs once a video is indexed and saves the groups it joins, with the tiers,
 * listing and review flow of image groups; `duplicates` answers the same alignments live.
 */
@Injectable()
export class VideoDedupService {
  private readonly logger = new Logger(VideoDedupService.name);
  private readonly tiers: VideoTierRules;

  constructor(
    @Inject(VECTOR_STORE) private readonly vectors: VectorStore,
    @Inject(DEDUP_SETTINGS) private readonly settings: DedupSettings,
    private readonly index: ImageIndexRepository,
    private readonly videos: VideoRepository,
    private readonly images: ImageRepository,
    private readonly store: DedupStoreRepository,
  ) {
    this.tiers = { ...DEFAULT_VIDEO_TIERS, nearMinShare: settings.config.VIDEO_NEAR_MIN_SHARE };
  }

  async duplicates(req: VideoDuplicatesRequest): Promise<VideoDuplicatesResponse> {
    const owner = requireCaller(req.caller).ownerUserId;
    const video = await this.mustFind(owner, req.videoId);
    const { pairs } = await this.alignments(owner, video);
    const duplicates: VideoDuplicate[] = pairs.map((p) => ({
      videoId: p.b,
      offsetMs: p.offsetMs,
      matchedShare: p.shareA,
      otherMatchedShare: p.shareB,
      matchedFrames: p.matchedFrames,
      kind: p.kind,
    }));
    return {
      duplicates: duplicates.sort(
        (a, b) =>
          KIND_STRENGTH[a.kind as DedupKind] - KIND_STRENGTH[b.kind as DedupKind] ||
          Math.min(b.matchedShare, b.otherMatchedShare) - Math.min(a.matchedShare, a.otherMatchedShare) ||
          a.videoId.localeCompare(b.videoId),
      ),
    };
  }

  /**
   * Saves the groups an indexed video joins (one per tier, open groups of that tier holding its
   * partners folded in, reviewers' not-duplicate verdicts respected). Idempotent: run again, it
   * finds the same groups and updates them in place.
   */
  async check(req: VideoCheckRequest): Promise<VideoCheckResponse> {
    const owner = requireCaller(req.caller).ownerUserId;
    const video = await this.mustFind(owner, req.videoId);
    if (video.status !== 'indexed') {
      throw LookalikeError.invalid(`video ${video.videoId} is ${video.status}, not indexed`);
    }
    const { pairs, facts } = await this.alignments(owner, video);
    if (pairs.length === 0) return { groupIds: [], kinds: [] };
    const partners = pairs.map((p) => p.b);
    const open = await this.store.openVideoGroupsHolding(owner, partners);
    const inGroups = [
      ...new Set(open.flatMap((g) => g.members.flatMap((m) => (m.video ? [m.video.videoId] : [])))),
    ];
    const missing = inGroups.filter((id) => !facts.has(id));
    for (const other of missing.length > 0 ? await this.videos.findByIds(owner, missing) : []) {
      if (other.status === 'indexed') facts.set(other.videoId, factsOf(other));
    }
    const notDuplicate = await this.store.notDuplicatePairs(owner, [video.videoId, ...facts.keys()]);
    const openGroups = Object.fromEntries(
      DEDUP_KINDS.map((kind) => [kind, [] as StoredVideoGroup[]]),
    ) as Record<DedupKind, StoredVideoGroup[]>;
    for (const g of open) openGroups[g.kind].push(g);
    const plans = planVideoGroups({ videoId: video.videoId, pairs, openGroups, videos: facts, notDuplicate });
    const groupIds: string[] = [];
    for (const plan of plans) {
      const { group } = await this.store.saveVideoGroup(owner, plan);
      await this.store.dropOpenGroups(
        owner,
        plan.merged.filter((id) => id !== group.groupId),
      );
      groupIds.push(group.groupId);
    }
    this.logger.log(
      {
        videoId: video.videoId,
        partners: pairs.length,
        groups: plans.map((p) => `${p.kind}:${p.members.length}`),
      },
      'video checked',
    );
    return { groupIds, kinds: plans.map((p) => p.kind) };
  }

  /**
   * This video's aligned partners with their tiers (this video is `a`), and the facts of every
   * video involved. Reads: this video's frames, one batched kNN over them restricted to frames,
   * the rows of the frames found, the candidate videos and their frames (one read each).
   */
  private async alignments(
    owner: string,
    video: VideoEntity,
  ): Promise<{ pairs: TieredPair[]; facts: Map<string, VideoFacts> }> {
    const facts = new Map([[video.videoId, factsOf(video)]]);
    const frames = (await this.videos.frames(owner, video.videoId)).filter((f) => f.status === 'indexed');
    const model = await this.index.activeModel(this.settings.config.DEDUP_MODEL);
    if (frames.length === 0 || !model) return { pairs: [], facts };
    const pointOf = new Map(frames.map((f) => [pointIdFor(owner, f.sha256), f]));
    const neighbours = await this.vectors.neighbours(owner, {
      vectorName: globalVectorName(model),
      ids: [...pointOf.keys()],
      k: this.settings.config.VIDEO_MATCH_K,
      scoreThreshold: this.settings.config.VIDEO_MATCH_MIN_COSINE,
      filter: { sources: ['video'] },
    });
    const hitIds = [...new Set(neighbours.flatMap((n) => n.neighbours.map((h) => h.id)))].filter(
      (id) => !pointOf.has(id),
    );
    const hitPoints = hitIds.length > 0 ? await this.vectors.get(owner, hitIds) : [];
    const hitRows = await this.images.findByIds(
      owner,
      hitPoints.map((p) => p.payload.imageId),
    );
    const rowOfPoint = new Map(hitRows.map((row) => [pointIdFor(owner, row.sha256), row]));
    // Per other video: the score of each (this frame time, other frame time) pair.
    const scores = new Map<string, Map<string, number>>();
    for (const { id, neighbours: hits } of neighbours) {
      const mine = pointOf.get(id);
      for (const hit of hits) {
        const other = rowOfPoint.get(hit.id);
        if (!mine || !other?.videoId || other.videoId === video.videoId) continue;
        const pairScores = scores.get(other.videoId) ?? new Map<string, number>();
        pairScores.set(`${mine.tMs}:${other.tMs}`, hit.score);
        scores.set(other.videoId, pairScores);
      }
    }
    const candidates = [...scores.entries()].filter(([, s]) => s.size >= 2).map(([id]) => id);
    if (candidates.length === 0) return { pairs: [], facts };
    const [others, otherFrames] = await Promise.all([
      this.videos.findByIds(owner, candidates),
      this.videos.framesOf(owner, candidates),
    ]);
    const framesByVideo = new Map<string, ImageEntity[]>();
    for (const f of otherFrames) {
      const list = framesByVideo.get(f.videoId ?? '') ?? [];
      list.push(f);
      framesByVideo.set(f.videoId ?? '', list);
    }
    const timeline = (list: readonly ImageEntity[]) =>
      list.map((f) => ({ tMs: f.tMs ?? 0, value: f.tMs ?? 0 }));
    const mine = timeline(frames);
    const pairs: TieredPair[] = [];
    for (const other of others) {
      if (other.status !== 'indexed') continue;
      const pairScores = scores.get(other.videoId)!;
      const aligned = alignVideos(
        mine,
        timeline(framesByVideo.get(other.videoId) ?? []),
        { aMs: video.durationMs, bMs: other.durationMs },
        (a, b) => pairScores.get(`${a}:${b}`),
      );
      if (!aligned) continue;
      const pair: VideoPair = {
        a: video.videoId,
        b: other.videoId,
        offsetMs: aligned.offsetMs,
        shareA: aligned.matchedShareA,
        shareB: aligned.matchedShareB,
        matchedFrames: aligned.matches.length,
        meanScore: aligned.matches.reduce((sum, m) => sum + m.score, 0) / aligned.matches.length,
      };
      const kind = videoTier(pair, { aMs: video.durationMs, bMs: other.durationMs }, this.tiers);
      if (!kind) continue;
      pairs.push({ ...pair, kind });
      facts.set(other.videoId, factsOf(other));
    }
    return { pairs, facts };
  }

  /**
   * A video on its way out (status `deleting`, or gone) leaves its open groups: they are dropped,
   * and each other member still indexed is checked again, so the groups it still forms are saved
   * without the video. Resolved groups stay as the reviewer left them.
   */
  async forget(req: VideoCheckRequest): Promise<VideoCheckResponse> {
    const owner = requireCaller(req.caller).ownerUserId;
    const groups = await this.store.openVideoGroupsHolding(owner, [req.videoId]);
    if (groups.length === 0) return { groupIds: [], kinds: [] };
    await this.store.dropOpenGroups(
      owner,
      groups.map((g) => g.groupId),
    );
    const others = [
      ...new Set(groups.flatMap((g) => g.members.flatMap((m) => (m.video ? [m.video.videoId] : [])))),
    ].filter((id) => id !== req.videoId);
    const groupIds = new Set<string>();
    const kinds = new Set<string>();
    for (const video of await this.videos.findByIds(owner, others)) {
      if (video.status !== 'indexed') continue;
      const checked = await this.check({ caller: req.caller, videoId: video.videoId });
      checked.groupIds.forEach((id) => groupIds.add(id));
      checked.kinds.forEach((kind) => kinds.add(kind));
    }
    return { groupIds: [...groupIds], kinds: [...kinds] };
  }

  private async mustFind(owner: string, videoId: string): Promise<VideoEntity> {
    const video = ULID.test(videoId) ? await this.videos.findById(owner, videoId) : null;
    if (!video || video.status === 'deleting') throw LookalikeError.notFound('video', videoId);
    return video;
  }
}
