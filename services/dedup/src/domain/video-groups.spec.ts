import type { DedupKind } from './dedup-image';
import { pairKey } from './dedup-image';
import {
  placeMembers,
  planVideoGroups,
  suggestKeepVideo,
  videoTier,
  type StoredVideoGroup,
  type VideoFacts,
  type VideoPair,
} from './video-groups';

function facts(videoId: string, over: Partial<VideoFacts> = {}): VideoFacts {
  return {
    videoId,
    posterImageId: `poster-${videoId}`,
    durationMs: 10_000,
    width: 1280,
    height: 720,
    sizeBytes: 1_000_000,
    createdAt: '2026-12-01T00:00:00.000Z',
    ...over,
  };
}

function pair(a: string, b: string, over: Partial<VideoPair> = {}): VideoPair {
  return { a, b, offsetMs: 0, shareA: 1, shareB: 1, matchedFrames: 5, meanScore: 0.99, ...over };
}

const noGroups = (): Record<DedupKind, StoredVideoGroup[]> => ({ exact: [], near: [], similar: [] });

describe('videoTier', () => {
  const same = { aMs: 10_000, bMs: 10_000 };

  it('calls a re-encode (same timing, everything matched, frames very close) exact', () => {
    expect(videoTier(pair('a', 'b'), same)).toBe('exact');
  });

  it('calls a trim near: one video is mostly inside the other, at an offset', () => {
    expect(
      videoTier(pair('a', 'b', { offsetMs: -3000, shareA: 0.7, shareB: 1 }), { aMs: 10_000, bMs: 7000 }),
    ).toBe('near');
  });

  it('calls a crop near when its frames are further apart than a re-encode', () => {
    expect(videoTier(pair('a', 'b', { meanScore: 0.93 }), same)).toBe('near');
  });

  it('calls a shared stretch similar, and too thin a stretch nothing', () => {
    expect(videoTier(pair('a', 'b', { shareA: 0.3, shareB: 0.25, matchedFrames: 3 }), same)).toBe('similar');
    expect(videoTier(pair('a', 'b', { shareA: 0.3, shareB: 0.25, matchedFrames: 2 }), same)).toBeUndefined();
    expect(videoTier(pair('a', 'b', { shareA: 0.1, shareB: 0.1, matchedFrames: 4 }), same)).toBeUndefined();
  });

  it('does not call two videos of different lengths exact', () => {
    expect(videoTier(pair('a', 'b'), { aMs: 10_000, bMs: 9000 })).toBe('near');
  });
});

describe('suggestKeepVideo', () => {
  it('keeps the largest frame, then the longest, then the oldest, then the most bytes', () => {
    expect(suggestKeepVideo([facts('a', { width: 640, height: 360 }), facts('b')]).videoId).toBe('b');
    expect(suggestKeepVideo([facts('a', { durationMs: 7000 }), facts('b')]).videoId).toBe('b');
    const later = '2026-12-02T00:00:00.000Z';
    expect(suggestKeepVideo([facts('a', { createdAt: later, sizeBytes: 9e6 }), facts('b')]).videoId).toBe(
      'b',
    );
    expect(suggestKeepVideo([facts('a'), facts('b', { sizeBytes: 2_000_000 })]).videoId).toBe('b');
  });
});

describe('placeMembers', () => {
  it('places members by their offsets to the keep, adding shifts along a path', () => {
    const videos = new Map(['k', 'b', 'c'].map((id) => [id, facts(id)]));
    // b = k trimmed by 3 s; c = b with a 2 s intro: c's time = b's time + 2 s.
    const members = placeMembers(facts('k'), videos, [
      pair('k', 'b', { offsetMs: -3000, shareA: 0.7, shareB: 1 }),
      pair('b', 'c', { offsetMs: 2000, shareA: 1, shareB: 0.78 }),
    ]);
    const byId = new Map(members.map((m) => [m.video!.videoId, m]));
    expect(byId.get('k')!.video).toMatchObject({ offsetMs: 0, matchedShare: 1 });
    expect(byId.get('b')!.video).toMatchObject({
      offsetMs: -3000,
      matchedShare: 1,
      otherMatchedShare: 0.7,
      alignedWith: 'k',
    });
    expect(byId.get('c')!.video).toMatchObject({ offsetMs: -1000, matchedShare: 0.78, alignedWith: 'b' });
    expect(byId.get('c')!.imageId).toBe('poster-c');
  });

  it('reads a pair from either side (the reverse shift and swapped shares)', () => {
    const videos = new Map(['k', 'b'].map((id) => [id, facts(id)]));
    const [, b] = placeMembers(facts('k'), videos, [
      pair('b', 'k', { offsetMs: 3000, shareA: 1, shareB: 0.7 }),
    ]);
    expect(b!.video).toMatchObject({
      videoId: 'b',
      offsetMs: -3000,
      matchedShare: 1,
      otherMatchedShare: 0.7,
    });
  });
});

describe('planVideoGroups', () => {
  const videos = new Map(['n', 'a', 'b', 'c'].map((id) => [id, facts(id)]));

  it('makes nested groups per tier: the exact partner alone, then the near one with it', () => {
    const plans = planVideoGroups({
      videoId: 'n',
      pairs: [
        { ...pair('n', 'a'), kind: 'exact' },
        { ...pair('n', 'b', { offsetMs: -2000, shareA: 0.8, shareB: 1 }), kind: 'near' },
      ],
      openGroups: noGroups(),
      videos,
      notDuplicate: new Set(),
    });
    expect(plans.map((p) => [p.kind, p.members.map((m) => m.video!.videoId).sort()])).toEqual([
      ['exact', ['a', 'n']],
      ['near', ['a', 'b', 'n']],
    ]);
  });

  it('folds in an open group holding a partner, keeping its members placed', () => {
    const stored: StoredVideoGroup = {
      groupId: 'g1',
      suggestedKeep: 'a',
      members: placeMembers(facts('a'), videos, [pair('a', 'c', { offsetMs: 4000, shareA: 1, shareB: 0.7 })]),
    };
    const plans = planVideoGroups({
      videoId: 'n',
      pairs: [{ ...pair('n', 'a', { offsetMs: -1000, shareA: 0.9, shareB: 0.9 }), kind: 'near' }],
      openGroups: { ...noGroups(), near: [stored] },
      videos,
      notDuplicate: new Set(),
    });
    expect(plans).toHaveLength(1);
    expect(plans[0]!.merged).toEqual(['g1']);
    const offsets = Object.fromEntries(plans[0]!.members.map((m) => [m.video!.videoId, m.video!.offsetMs]));
    // Keep a (ties broken by id): n's time = a's + 1 s, c's = a's + 4 s.
    expect(plans[0]!.suggestedKeep).toBe('a');
    expect(offsets).toEqual({ a: 0, n: 1000, c: 4000 });
  });

  it('leaves out a partner a reviewer called not a duplicate, and a group that would bring one in', () => {
    const stored: StoredVideoGroup = {
      groupId: 'g1',
      suggestedKeep: 'b',
      members: placeMembers(facts('b'), videos, [pair('b', 'c')]),
    };
    const plans = planVideoGroups({
      videoId: 'n',
      pairs: [
        { ...pair('n', 'a'), kind: 'near' },
        { ...pair('n', 'b'), kind: 'near' },
      ],
      openGroups: { ...noGroups(), near: [stored] },
      videos,
      notDuplicate: new Set([pairKey('n', 'c')]),
    });
    expect(plans.map((p) => p.members.map((m) => m.video!.videoId).sort())).toEqual([['a', 'b', 'n']]);
    expect(plans[0]!.merged).toEqual([]);
  });

  it('makes no group without partners', () => {
    expect(
      planVideoGroups({ videoId: 'n', pairs: [], openGroups: noGroups(), videos, notDuplicate: new Set() }),
    ).toEqual([]);
  });
});
