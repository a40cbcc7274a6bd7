import type { DedupMember, DedupVideoMember } from '@lookalike/persistence';
import { DEDUP_KINDS, KIND_STRENGTH, pairKey, type DedupKind } from './dedup-image';

/** One aligned pair of videos: b's time = a's time + offsetMs (libs/video `alignVideos`). */
export interface VideoPair {
  a: string;
  b: string;
  offsetMs: number;
  shareA: number;
  shareB: number;
  matchedFrames: number;
  /** Mean cosine of the matched frames. */
  meanScore: number;
}

/** What the tiers and the keep rule read of a video. */
export interface VideoFacts {
  videoId: string;
  posterImageId: string;
  durationMs: number;
  width: number;
  height: number;
  sizeBytes: number;
  createdAt: string;
}

/** The video tiers (docs/video.md, "Near-duplicate videos"). */
export interface VideoTierRules {
  /** exact: both videos matched at least this share... */
  exactMinShare: number;
  /** ...at an offset within this... */
  exactMaxOffsetMs: number;
  /** ...with frames this close on average... */
  exactMinScore: number;
  /** ...and durations within this fraction of the longer one. */
  exactMaxDurationGap: number;
  /** near: one video matched at least this share of its duration (a trim, an intro, a crop). */
  nearMinShare: number;
  /** similar: a shared stretch of at least this many matched frames... */
  similarMinFrames: number;
  /** ...covering at least this share of one of the two. */
  similarMinShare: number;
}

export const DEFAULT_VIDEO_TIERS: VideoTierRules = {
  exactMinShare: 0.9,
  exactMaxOffsetMs: 500,
  exactMinScore: 0.97,
  exactMaxDurationGap: 0.02,
  nearMinShare: 0.5,
  similarMinFrames: 3,
  similarMinShare: 0.2,
};

/** The tier of an aligned pair, or undefined when the alignment is too thin to be a look-alike. */
export function videoTier(
  pair: VideoPair,
  durations: { aMs: number; bMs: number },
  rules: VideoTierRules = DEFAULT_VIDEO_TIERS,
): DedupKind | undefined {
  const longer = Math.max(durations.aMs, durations.bMs, 1);
  const most = Math.max(pair.shareA, pair.shareB);
  if (
    Math.min(pair.shareA, pair.shareB) >= rules.exactMinShare &&
    Math.abs(pair.offsetMs) <= rules.exactMaxOffsetMs &&
    pair.meanScore >= rules.exactMinScore &&
    Math.abs(durations.aMs - durations.bMs) / longer <= rules.exactMaxDurationGap
  ) {
    return 'exact';
  }
  if (most >= rules.nearMinShare) return 'near';
  if (pair.matchedFrames >= rules.similarMinFrames && most >= rules.similarMinShare) return 'similar';
  return undefined;
}

/**
 * The video to keep: the largest frame, then the longest, then the oldest (copies come later),
 * then the most bytes, then the smallest id. Bytes come late: a fast re-encode of a copy is often
 * bigger than the original.
 */
export function suggestKeepVideo(videos: readonly VideoFacts[]): VideoFacts {
  if (videos.length === 0) throw new RangeError('a group has members');
  return [...videos].sort(
    (a, b) =>
      b.width * b.height - a.width * a.height ||
      b.durationMs - a.durationMs ||
      Date.parse(a.createdAt) - Date.parse(b.createdAt) ||
      b.sizeBytes - a.sizeBytes ||
      (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0),
  )[0]!;
}

/** An open video group as stored: its id and members (each with `video`). */
export interface StoredVideoGroup {
  groupId: string;
  members: readonly DedupMember[];
  suggestedKeep: string | null;
}

export interface VideoGroupPlan {
  kind: DedupKind;
  members: DedupMember[];
  /** The keep's video id. */
  suggestedKeep: string;
  /** Open groups of this kind folded into this one (to drop once it is saved). */
  merged: string[];
}

/** The aligned pairs a stored group's members joined by, rebuilt from their offsets to its keep. */
function storedPairs(group: StoredVideoGroup): VideoPair[] {
  const byId = new Map(group.members.flatMap((m) => (m.video ? [[m.video.videoId, m.video] as const] : [])));
  const pairs: VideoPair[] = [];
  for (const v of byId.values()) {
    if (!v.alignedWith) continue;
    const other = byId.get(v.alignedWith);
    if (!other) continue;
    pairs.push({
      a: v.alignedWith,
      b: v.videoId,
      offsetMs: v.offsetMs - other.offsetMs,
      shareA: v.otherMatchedShare,
      shareB: v.matchedShare,
      matchedFrames: v.matchedFrames,
      meanScore: 1,
    });
  }
  return pairs;
}

/**
 * Members with offsets to the keep: a breadth-first walk from the keep over the aligned pairs,
 * each member placed by the pair it is reached through (time shifts add along a path), reporting
 * that pair's shares and the video it aligned with. Members the walk cannot reach are left out.
 */
export function placeMembers(
  keep: VideoFacts,
  videos: ReadonlyMap<string, VideoFacts>,
  pairs: readonly VideoPair[],
): DedupMember[] {
  const edges = new Map<
    string,
    { to: string; offsetMs: number; mine: number; theirs: number; frames: number }[]
  >();
  const link = (from: string, to: string, offsetMs: number, mine: number, theirs: number, frames: number) => {
    const list = edges.get(from) ?? [];
    list.push({ to, offsetMs, mine, theirs, frames });
    edges.set(from, list);
  };
  for (const p of pairs) {
    // From a to b the shift is +offset; the share "mine" is the reached video's.
    link(p.a, p.b, p.offsetMs, p.shareB, p.shareA, p.matchedFrames);
    link(p.b, p.a, -p.offsetMs, p.shareA, p.shareB, p.matchedFrames);
  }
  const placed = new Map<string, DedupVideoMember>([
    [
      keep.videoId,
      { videoId: keep.videoId, offsetMs: 0, matchedShare: 1, otherMatchedShare: 1, matchedFrames: 0 },
    ],
  ]);
  const queue = [keep.videoId];
  while (queue.length > 0) {
    const at = queue.shift()!;
    const here = placed.get(at)!;
    // Strongest evidence first, so a member is placed by its best-covered pair.
    const out = [...(edges.get(at) ?? [])].sort((x, y) => y.mine - x.mine || y.frames - x.frames);
    for (const e of out) {
      if (placed.has(e.to) || !videos.has(e.to)) continue;
      placed.set(e.to, {
        videoId: e.to,
        offsetMs: here.offsetMs + e.offsetMs,
        matchedShare: e.mine,
        otherMatchedShare: e.theirs,
        matchedFrames: e.frames,
        alignedWith: at,
      });
      queue.push(e.to);
    }
  }
  return [...placed.values()].map((video) => ({
    imageId: videos.get(video.videoId)!.posterImageId,
    hamming: 0,
    cosine: 0,
    video,
  }));
}

/**
 * The groups a newly indexed video joins, one plan per tier: its partners of that tier or a
 * stronger one, with the open groups of that tier that hold any of them folded in (and the
 * members of stronger open groups holding them). A partner or
 * a stored group that would put a pair a reviewer called "not duplicate" together is left out
 * (strongest partners first). A tier whose members are those of a stronger tier's plan adds no
 * group, as with images.
 */
export function planVideoGroups(input: {
  videoId: string;
  pairs: readonly (VideoPair & { kind: DedupKind })[];
  openGroups: Readonly<Record<DedupKind, readonly StoredVideoGroup[]>>;
  videos: ReadonlyMap<string, VideoFacts>;
  notDuplicate: ReadonlySet<string>;
}): VideoGroupPlan[] {
  const plans: VideoGroupPlan[] = [];
  const seen = new Set<string>();
  for (const kind of DEDUP_KINDS) {
    const partners = input.pairs
      .filter((p) => KIND_STRENGTH[p.kind] <= KIND_STRENGTH[kind])
      .sort(
        (x, y) =>
          KIND_STRENGTH[x.kind] - KIND_STRENGTH[y.kind] ||
          Math.max(y.shareA, y.shareB) - Math.max(x.shareA, x.shareB),
      );
    if (partners.length === 0) continue;
    const admitted = new Set([input.videoId]);
    const clashes = (ids: readonly string[]) =>
      ids.some((id) =>
        [...admitted].some((other) => other !== id && input.notDuplicate.has(pairKey(id, other))),
      );
    const pairs: VideoPair[] = [];
    for (const p of partners) {
      const partner = p.a === input.videoId ? p.b : p.a;
      if (!input.videos.has(partner) || clashes([partner])) continue;
      admitted.add(partner);
      pairs.push(p);
    }
    // Open groups of this tier are folded in (and dropped once the plan is saved); those of a
    // stronger tier lend their members, as their pairs are of this tier too, and stay.
    const merged: string[] = [];
    for (const stronger of DEDUP_KINDS.filter((k) => KIND_STRENGTH[k] <= KIND_STRENGTH[kind])) {
      for (const group of input.openGroups[stronger]) {
        const ids = group.members.flatMap((m) => (m.video ? [m.video.videoId] : []));
        if (!ids.some((id) => admitted.has(id)) || clashes(ids.filter((id) => !admitted.has(id)))) continue;
        if (!ids.every((id) => input.videos.has(id))) continue;
        for (const id of ids) admitted.add(id);
        pairs.push(...storedPairs(group));
        if (stronger === kind) merged.push(group.groupId);
      }
    }
    if (admitted.size < 2) continue;
    const key = [...admitted].sort().join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const keep = suggestKeepVideo([...admitted].map((id) => input.videos.get(id)!));
    const members = placeMembers(keep, input.videos, pairs);
    if (members.length < 2) continue;
    plans.push({ kind, members, suggestedKeep: keep.videoId, merged });
  }
  return plans;
}
