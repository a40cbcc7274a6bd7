import { hammingHex } from '@lookalike/imaging';
import { KIND_STRENGTH, pairKey, type DedupImage, type DedupKind, DEDUP_KINDS } from './dedup-image';
import type { DedupThresholds } from './dedup-thresholds';
import { suggestKeep, type KeepRule } from './keep-rules';
import { judgePair, type PairVerdict } from './pair-verdict';
import { closestHash, derivedVariants, HASH_VARIANTS } from './phash-variants';
import { UnionFind } from './union-find';

export interface Neighbour {
  id: string;
  /** Cosine similarity. */
  score: number;
}

export interface SweepInput {
  images: readonly DedupImage[];
  /** The k nearest neighbours of every image (best first), from the vector index's batched kNN. */
  neighbours: ReadonlyMap<string, readonly Neighbour[]>;
  /** Cosines of pairs the kNN lists do not hold (hash-only candidates, keep-to-member distances). */
  cosines(pairs: ReadonlyArray<readonly [string, string]>): Promise<number[]>;
  thresholds: DedupThresholds;
  keepRules: readonly KeepRule[];
  /** pairKey()s a reviewer marked not-duplicate: never paired again. */
  notDuplicate: ReadonlySet<string>;
  /** pHash buckets larger than this (flat or blank images share chunks) are left to the kNN. */
  maxBucket?: number;
}

export interface SweepPair {
  a: string;
  b: string;
  verdict: PairVerdict;
}

export interface SweepMember {
  imageId: string;
  /** To the suggested keep. */
  hamming: number;
  cosine: number;
  qualityScore: number;
}

export interface SweepGroup {
  kind: DedupKind;
  members: SweepMember[];
  suggestedKeep: string;
  /** Sorted member ids joined by `,`: the same set found again is the same group. */
  membersKey: string;
}

export interface SweepStats {
  images: number;
  candidatePairs: { sha256: number; phash: number; knn: number; total: number };
  pairs: Record<DedupKind, number>;
  suppressed: number;
  groups: Record<DedupKind, number>;
}

export interface SweepResult {
  pairs: SweepPair[];
  groups: SweepGroup[];
  stats: SweepStats;
}

const DEFAULT_MAX_BUCKET = 256;

/** The 4 position-tagged 16-bit chunks of a 64-bit hash (the layout of the `phash_chunks` payload). */
function chunksOf(hex: string): string[] {
  return [0, 1, 2, 3].map((i) => `${i}:${hex.slice(i * 4, i * 4 + 4)}`);
}

/**
 * Candidate pairs, then verdicts, then groups. Candidates come from three indexes, never from all
 * pairs: images sharing a sha256; images sharing a 16-bit pHash chunk with the other's hash or
 * one of its variants (complete up to Hamming 3 by pigeonhole, most pairs further out); and each
 * image's k nearest neighbours. Cost: O(n) bucketing + O(n * (k + b)) pairs, b the mean bucket
 * share, each judged in O(1); union-find is near-linear.
 */
export async function runSweep(input: SweepInput): Promise<SweepResult> {
  const t = input.thresholds;
  const maxBucket = input.maxBucket ?? DEFAULT_MAX_BUCKET;
  const byId = new Map(input.images.map((im) => [im.imageId, im]));
  const candidates = new Map<string, { a: string; b: string; cosine?: number }>();
  const counts = { sha256: 0, phash: 0, knn: 0, total: 0 };
  const suppressed = new Set<string>();
  const add = (a: string, b: string, source: 'sha256' | 'phash' | 'knn', cosine?: number): void => {
    if (a === b || !byId.has(a) || !byId.has(b)) return;
    const key = pairKey(a, b);
    if (input.notDuplicate.has(key)) {
      suppressed.add(key);
      return;
    }
    const seen = candidates.get(key);
    if (seen) {
      if (cosine !== undefined) seen.cosine = cosine;
      return;
    }
    counts[source] += 1;
    candidates.set(key, a < b ? { a, b, cosine } : { a: b, b: a, cosine });
  };

  const bySha = new Map<string, string[]>();
  const byChunk = new Map<string, string[]>();
  for (const im of input.images) {
    const list = bySha.get(im.sha256);
    if (list) list.push(im.imageId);
    else bySha.set(im.sha256, [im.imageId]);
    if (!im.phash) continue;
    for (const chunk of chunksOf(im.phash)) {
      const bucket = byChunk.get(chunk);
      if (bucket) bucket.push(im.imageId);
      else byChunk.set(chunk, [im.imageId]);
    }
  }
  for (const ids of bySha.values()) {
    for (let i = 0; i < ids.length; i += 1)
      for (let j = i + 1; j < ids.length; j += 1) add(ids[i], ids[j], 'sha256');
  }
  for (const im of input.images) {
    if (!im.phash) continue;
    const probes = [im.phash];
    if (t.hashVariants) {
      const v = derivedVariants(im.phash);
      probes.push(...HASH_VARIANTS.map((name) => v[name]));
    }
    const near = new Set<string>();
    for (const probe of probes) {
      for (const chunk of chunksOf(probe)) {
        const bucket = byChunk.get(chunk);
        if (!bucket || bucket.length > maxBucket) continue;
        for (const other of bucket) if (other !== im.imageId) near.add(other);
      }
    }
    for (const other of near) {
      const peer = byId.get(other) as DedupImage;
      // A hash-only candidate can only become `near`, so the cheap Hamming test goes first.
      if (closestHash(im.phash, peer.phash, t.hashVariants).hamming <= t.phashMax)
        add(im.imageId, other, 'phash');
    }
  }
  const rank = new Map<string, number>();
  for (const [id, list] of input.neighbours) {
    list.forEach((n, i) => {
      rank.set(`${id}>${n.id}`, i);
      add(id, n.id, 'knn', n.score);
    });
  }
  const mutualRank = (a: string, b: string): number =>
    Math.max(rank.get(`${a}>${b}`) ?? Infinity, rank.get(`${b}>${a}`) ?? Infinity);
  counts.total = candidates.size;

  const missing = [...candidates.values()].filter((c) => c.cosine === undefined);
  if (missing.length > 0) {
    const scores = await input.cosines(missing.map((c) => [c.a, c.b] as const));
    missing.forEach((c, i) => (c.cosine = scores[i]));
  }

  const pairs: SweepPair[] = [];
  const pairCount: Record<DedupKind, number> = { exact: 0, near: 0, similar: 0 };
  for (const c of candidates.values()) {
    const verdict = judgePair(
      byId.get(c.a) as DedupImage,
      byId.get(c.b) as DedupImage,
      {
        cosine: c.cosine ?? -1,
        mutualRank: mutualRank(c.a, c.b),
      },
      t,
    );
    if (!verdict) continue;
    pairs.push({ a: c.a, b: c.b, verdict });
    pairCount[verdict.kind] += 1;
  }

  const groups = await buildGroups(pairs, byId, input);
  const groupCount: Record<DedupKind, number> = { exact: 0, near: 0, similar: 0 };
  for (const g of groups) groupCount[g.kind] += 1;
  return {
    pairs,
    groups,
    stats: {
      images: input.images.length,
      candidatePairs: counts,
      pairs: pairCount,
      suppressed: suppressed.size,
      groups: groupCount,
    },
  };
}

/**
 * Groups per tier: the connected components of the pairs of that tier or a stronger one, so a
 * `similar` group may contain a `near` group; a component already reported by a stronger tier is
 * not repeated. Two images a reviewer marked not-duplicate never end up in one group, even through
 * a third image (constrained union-find).
 */
async function buildGroups(
  pairs: readonly SweepPair[],
  byId: ReadonlyMap<string, DedupImage>,
  input: SweepInput,
): Promise<SweepGroup[]> {
  const pairScore = new Map(pairs.map((p) => [pairKey(p.a, p.b), p.verdict]));
  const seen = new Set<string>();
  const raw: { kind: DedupKind; members: DedupImage[]; keep: DedupImage; key: string }[] = [];
  // Strongest evidence joins first, so a separation refuses the weaker link, not the better one.
  const ordered = [...pairs].sort(
    (x, y) =>
      KIND_STRENGTH[x.verdict.kind] - KIND_STRENGTH[y.verdict.kind] || y.verdict.cosine - x.verdict.cosine,
  );
  for (const kind of DEDUP_KINDS) {
    const uf = new UnionFind();
    for (const key of input.notDuplicate) {
      const [a, b] = key.split(':');
      if (byId.has(a) && byId.has(b)) uf.separate(a, b);
    }
    for (const p of ordered) if (KIND_STRENGTH[p.verdict.kind] <= KIND_STRENGTH[kind]) uf.union(p.a, p.b);
    for (const ids of uf.groups()) {
      const key = ids.join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      const members = ids.map((id) => byId.get(id) as DedupImage);
      raw.push({ kind, members, keep: suggestKeep(members, input.keepRules), key });
    }
  }
  const unknown: [string, string][] = [];
  for (const g of raw) {
    for (const m of g.members) {
      if (m.imageId !== g.keep.imageId && !pairScore.has(pairKey(m.imageId, g.keep.imageId))) {
        unknown.push([g.keep.imageId, m.imageId]);
      }
    }
  }
  const extra = new Map<string, number>();
  if (unknown.length > 0) {
    const scores = await input.cosines(unknown);
    unknown.forEach(([a, b], i) => extra.set(pairKey(a, b), scores[i]));
  }
  return raw.map((g) => ({
    kind: g.kind,
    suggestedKeep: g.keep.imageId,
    membersKey: g.key,
    members: g.members.map((m) => {
      if (m.imageId === g.keep.imageId) {
        return { imageId: m.imageId, hamming: 0, cosine: 1, qualityScore: m.qualityScore };
      }
      const known = pairScore.get(pairKey(m.imageId, g.keep.imageId));
      const hamming = known?.hamming ?? (m.phash && g.keep.phash ? hammingHex(m.phash, g.keep.phash) : 64);
      const cosine = known?.cosine ?? extra.get(pairKey(m.imageId, g.keep.imageId)) ?? 0;
      return { imageId: m.imageId, hamming, cosine, qualityScore: m.qualityScore };
    }),
  }));
}
