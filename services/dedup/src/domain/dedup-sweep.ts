import { hammingHex } from '@lookalike/imaging';
import { reverseGeometry, type PairGeometry } from '@lookalike/local-features';
import { KIND_STRENGTH, pairKey, type DedupImage, type DedupKind, DEDUP_KINDS } from './dedup-image';
import type { DedupThresholds } from './dedup-thresholds';
import { suggestKeep, type KeepRule } from './keep-rules';
import { judgePair, type PairVerdict } from './pair-verdict';
import { closestPrepared, prepareHash, type HashMatch, type PreparedHash } from './phash-variants';
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
  /** Geometric verification of the candidates the hash and cosine rules leave below `near`. */
  verification?: SweepVerification;
}

/**
 * Which candidates are verified, and how. A pair is verified when one image is among the other's
 * `k` nearest neighbours or their hashes are within `maxHamming`; then, once, the pairs that close
 * a triangle of accepted pairs (A-B and B-C accepted: A-C is verified too), at most `expandPerImage`
 * per image. A verified pair is `near`.
 */
export interface SweepVerification {
  verify(pairs: ReadonlyArray<readonly [string, string]>): Promise<(PairGeometry | null)[]>;
  k: number;
  maxHamming: number;
  expandPerImage: number;
  /** Verify only pairs that hold this image (the upload-time check of one new image). */
  focus?: string;
  /**
   * With `focus`: the stored geometry of those of these pairs (between the focus image's
   * candidates) verified as copies before, null for the rest; read without matching anything.
   * They join the sweep as `near` pairs, and the focus image is verified against its candidates
   * closest first, skipping a candidate already linked (by such a pair or an exact/near rule) to
   * one it verified against: the group is the same, at a fraction of the matching when the new
   * image has many copies.
   */
  knownVerified?(pairs: ReadonlyArray<readonly [string, string]>): Promise<(PairGeometry | null)[]>;
}

export const DEFAULT_VERIFICATION = { k: 10, maxHamming: 20, expandPerImage: 8 } as const;

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
  /** Its pair with the keep (absent for the keep, and when only a chain of pairs links them). */
  evidence?: MemberEvidence;
}

/** The rule that admitted a member's pair with the keep and, when verified, the geometry keep -> member. */
export interface MemberEvidence {
  rule: PairVerdict['rule'];
  geometry?: PairGeometry;
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
  /**
   * Pairs sent to geometric verification (candidates and triangle closures), those verified, and
   * (upload-time check) those skipped because the candidate was linked to one already verified.
   */
  verification: { checked: number; expanded: number; verified: number; unavailable: number; skipped: number };
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
function chunksOf(words: readonly [number, number]): number[] {
  // Position in the top bits, so one number keys a chunk: (position << 16) | value.
  return [
    (0 << 16) | (words[0] >>> 16),
    (1 << 16) | (words[0] & 0xffff),
    (2 << 16) | (words[1] >>> 16),
    (3 << 16) | (words[1] & 0xffff),
  ];
}

/**
 * Candidate pairs, then verdicts, then groups. Candidates come from three indexes, never from all
 * pairs: images sharing a sha256; images sharing a 16-bit pHash chunk with the other's hash or
 * one of its variants (complete up to Hamming 3 by pigeonhole, most pairs further out); and each
 * image's k nearest neighbours. Cost: O(n) bucketing + O(n * (k + b)) pairs, b the mean bucket
 * share, each judged in O(1); union-find is near-linear.
 */
export async function runSweep(input: SweepInput): Promise<SweepResult> {
  const c = gatherCandidates(input);
  const { n } = c;
  const missing = [...c.candidates.entries()]
    .filter(([, cosine]) => Number.isNaN(cosine))
    .map(([key]) => key);
  if (missing.length > 0) {
    const scores = await input.cosines(missing.map((key) => c.ids(key)));
    missing.forEach((key, i) => c.candidates.set(key, scores[i]));
  }

  const verdicts = judgeCandidates(input, c);
  const verification = { checked: 0, expanded: 0, verified: 0, unavailable: 0, skipped: 0 };
  if (input.verification) {
    const v = input.verification;
    const focus = v.focus === undefined ? undefined : c.index.get(v.focus);
    const firstRound = firstRoundPairs(c, verdicts, v, focus);
    if (focus !== undefined && v.knownVerified && firstRound.length > 1) {
      await verifyFocusInOrder(focus, v.knownVerified);
    } else {
      await verifyPairs(firstRound, 'candidate');
    }
    await verifyPairs(closingPairs(c, verdicts, v.expandPerImage), 'expansion');

    /** The focus image's pairs closest first, skipping candidates linked to one it verified against. */
    async function verifyFocusInOrder(
      f: number,
      knownVerified: NonNullable<SweepVerification['knownVerified']>,
    ): Promise<void> {
      const other = (key: number): number => (Math.floor(key / n) === f ? key % n : Math.floor(key / n));
      const ordered = [...firstRound].sort(
        (x, y) =>
          c.closeRank(f, other(x)) - c.closeRank(f, other(y)) ||
          c.hashMatch(f, other(x)).hamming - c.hashMatch(f, other(y)).hamming,
      );
      const others = ordered.map(other);
      const links = new UnionFind();
      const between: [number, number][] = [];
      for (let x = 0; x < others.length; x += 1) {
        for (let y = x + 1; y < others.length; y += 1) {
          const verdict = verdicts.get(c.code(others[x]!, others[y]!));
          if (verdict && KIND_STRENGTH[verdict.kind] <= KIND_STRENGTH.near) links.union(String(x), String(y));
          else between.push([x, y]);
        }
      }
      const known = await knownVerified(
        between.map(
          ([x, y]) => [input.images[others[x]!]!.imageId, input.images[others[y]!]!.imageId] as const,
        ),
      );
      const linkKeys: number[] = [];
      const linkResults: PairGeometry[] = [];
      between.forEach(([x, y], i) => {
        const g = known[i];
        // A pair a reviewer separated stays apart, whatever its geometry said before.
        if (!g?.verified || c.banned.has(c.code(others[x]!, others[y]!))) return;
        links.union(String(x), String(y));
        // Ordered as the key reads (smaller index first), so the evidence's direction holds.
        const [p, q] = others[x]! < others[y]! ? [x, y] : [y, x];
        linkKeys.push(c.code(others[p]!, others[q]!));
        linkResults.push(p === x ? g : reverseGeometry(g));
      });
      await verifyPairs(linkKeys, 'known', linkResults);
      const reached = new Set<string>();
      for (let x = 0; x < ordered.length; x += 1) {
        const root = links.find(String(x));
        if (reached.has(root)) {
          verification.skipped += 1;
          continue;
        }
        await verifyPairs([ordered[x]!], 'candidate');
        const verdict = verdicts.get(ordered[x]!);
        if (verdict?.rule === 'geometry') reached.add(root);
      }
    }

    /** Verifies pairs (or takes `known` results: pairs verified before) and records their verdicts. */
    async function verifyPairs(
      keys: number[],
      round: 'candidate' | 'expansion' | 'known',
      known?: PairGeometry[],
    ): Promise<void> {
      if (keys.length === 0) return;
      const ids = keys.map((key) => c.ids(key));
      const results = known ?? (await v.verify(ids));
      if (round === 'expansion') verification.expanded += keys.length;
      else if (round === 'candidate') verification.checked += keys.length;
      // Pairs outside the kNN lists have no cosine yet.
      const missingCosines = round !== 'candidate' ? await input.cosines(ids) : undefined;
      recordVerified(c, verdicts, verification, keys, ids, results, missingCosines, round === 'known');
    }
  }

  const { pairs, pairCount } = collectPairs(input, verdicts, n);
  const groups = await buildGroups(pairs, c.byId, input);
  const groupCount: Record<DedupKind, number> = { exact: 0, near: 0, similar: 0 };
  for (const g of groups) groupCount[g.kind] += 1;
  return {
    pairs,
    groups,
    stats: {
      images: input.images.length,
      candidatePairs: c.counts,
      verification,
      pairs: pairCount,
      suppressed: c.suppressed.size,
      groups: groupCount,
    },
  };
}

/*
 * The sweep's synchronous steps are functions of their own, apart from the async runSweep: V8
 * optimises each hot one alone, where one async function holding them all took 150-310 ms of
 * TurboFan per compile and was recompiled about five times in an ingest run's first 400 uploads
 * (docs/ingest.md, "The sweep's compile").
 */

/** Candidate pairs (integer pair codes) with what judging them needs. */
interface Candidates {
  n: number;
  byId: Map<string, DedupImage>;
  index: Map<string, number>;
  /** Pair code of images i and j (i * n + j, i < j). */
  code(i: number, j: number): number;
  /** The two image ids of a pair code, the smaller index first. */
  ids(key: number): readonly [string, string];
  banned: Set<number>;
  /** Pair code -> cosine (NaN where no kNN list gave it). */
  candidates: Map<number, number>;
  counts: { sha256: number; phash: number; knn: number; total: number };
  suppressed: Set<number>;
  hashMatch(i: number, j: number): HashMatch;
  mutualRank(i: number, j: number): number;
  closeRank(i: number, j: number): number;
}

function gatherCandidates(input: SweepInput): Candidates {
  const t = input.thresholds;
  const maxBucket = input.maxBucket ?? DEFAULT_MAX_BUCKET;
  const byId = new Map(input.images.map((im) => [im.imageId, im]));
  // Candidates are keyed by integer pair codes (i * n + j, i < j): at 100k images the sweep holds
  // about a million pairs, and string keys made it garbage-collection bound.
  const n = input.images.length;
  const index = new Map(input.images.map((im, i) => [im.imageId, i]));
  const code = (i: number, j: number): number => (i < j ? i * n + j : j * n + i);
  const banned = new Set<number>();
  for (const key of input.notDuplicate) {
    const [a, b] = key.split(':');
    const i = index.get(a);
    const j = index.get(b);
    if (i !== undefined && j !== undefined && i !== j) banned.add(code(i, j));
  }
  const candidates = new Map<number, number>();
  const counts = { sha256: 0, phash: 0, knn: 0, total: 0 };
  const suppressed = new Set<number>();
  const add = (i: number, j: number, source: 'sha256' | 'phash' | 'knn', cosine = Number.NaN): void => {
    if (i === j) return;
    const key = code(i, j);
    if (banned.has(key)) {
      suppressed.add(key);
      return;
    }
    const seen = candidates.get(key);
    if (seen !== undefined) {
      if (!Number.isNaN(cosine)) candidates.set(key, cosine);
      return;
    }
    counts[source] += 1;
    candidates.set(key, cosine);
  };

  const hashes: (PreparedHash | undefined)[] = input.images.map((im) =>
    im.phash ? prepareHash(im.phash) : undefined,
  );
  const hashMatch = (i: number, j: number): HashMatch => {
    const ha = hashes[i];
    const hb = hashes[j];
    return ha && hb ? closestPrepared(ha, hb, t.hashVariants) : { hamming: 64, variant: 'identity' };
  };
  const bySha = new Map<string, number[]>();
  const byChunk = new Map<number, number[]>();
  input.images.forEach((im, i) => {
    const list = bySha.get(im.sha256);
    if (list) list.push(i);
    else bySha.set(im.sha256, [i]);
    const hash = hashes[i];
    if (!hash) return;
    for (const chunk of chunksOf(hash.plain)) {
      const bucket = byChunk.get(chunk);
      if (bucket) bucket.push(i);
      else byChunk.set(chunk, [i]);
    }
  });
  for (const ids of bySha.values()) {
    for (let a = 0; a < ids.length; a += 1)
      for (let b = a + 1; b < ids.length; b += 1) add(ids[a], ids[b], 'sha256');
  }
  for (let i = 0; i < n; i += 1) {
    const hash = hashes[i];
    if (!hash) continue;
    const probes = t.hashVariants ? [hash.plain, ...hash.variants] : [hash.plain];
    const near = new Set<number>();
    for (const probe of probes) {
      for (const chunk of chunksOf(probe)) {
        const bucket = byChunk.get(chunk);
        if (!bucket || bucket.length > maxBucket) continue;
        for (const other of bucket) if (other !== i) near.add(other);
      }
    }
    for (const other of near) {
      // A hash-only candidate can only become `near`, so the cheap Hamming test goes first.
      if (hashMatch(i, other).hamming <= t.phashMax) add(i, other, 'phash');
    }
  }
  // rank.get(i * n + j): the position of j in i's kNN list (directed).
  const rank = new Map<number, number>();
  for (const [id, list] of input.neighbours) {
    const i = index.get(id);
    if (i === undefined) continue;
    list.forEach((nb, r) => {
      const j = index.get(nb.id);
      if (j === undefined) return;
      rank.set(i * n + j, r);
      add(i, j, 'knn', nb.score);
    });
  }
  counts.total = candidates.size;
  return {
    n,
    byId,
    index,
    code,
    ids: (key) => [input.images[Math.floor(key / n)]!.imageId, input.images[key % n]!.imageId],
    banned,
    candidates,
    counts,
    suppressed,
    hashMatch,
    mutualRank: (i, j) => Math.max(rank.get(i * n + j) ?? Infinity, rank.get(j * n + i) ?? Infinity),
    closeRank: (i, j) => Math.min(rank.get(i * n + j) ?? Infinity, rank.get(j * n + i) ?? Infinity),
  };
}

function judgeCandidates(input: SweepInput, c: Candidates): Map<number, PairVerdict | null> {
  const verdicts = new Map<number, PairVerdict | null>();
  for (const [key, cosine] of c.candidates) {
    const i = Math.floor(key / c.n);
    const j = key % c.n;
    verdicts.set(
      key,
      judgePair(
        input.images[i],
        input.images[j],
        {
          cosine: Number.isNaN(cosine) ? -1 : cosine,
          mutualRank: c.mutualRank(i, j),
          hash: c.hashMatch(i, j),
        },
        input.thresholds,
      ),
    );
  }
  return verdicts;
}

/** The candidates left below `near` that are close enough to verify (only the focus image's, with a focus). */
function firstRoundPairs(
  c: Candidates,
  verdicts: ReadonlyMap<number, PairVerdict | null>,
  v: SweepVerification,
  focus: number | undefined,
): number[] {
  const keys: number[] = [];
  for (const [key, verdict] of verdicts) {
    if (verdict && KIND_STRENGTH[verdict.kind] <= KIND_STRENGTH.near) continue;
    const i = Math.floor(key / c.n);
    const j = key % c.n;
    if (focus !== undefined && i !== focus && j !== focus) continue;
    if (c.closeRank(i, j) < v.k || c.hashMatch(i, j).hamming <= v.maxHamming) keys.push(key);
  }
  return keys;
}

/** Triangle closure: copies of one original that each matched it but not each other. */
function closingPairs(
  c: Candidates,
  verdicts: ReadonlyMap<number, PairVerdict | null>,
  expandPerImage: number,
): number[] {
  const linked = new Map<number, number[]>();
  for (const [key, verdict] of verdicts) {
    if (!verdict || KIND_STRENGTH[verdict.kind] > KIND_STRENGTH.near) continue;
    const i = Math.floor(key / c.n);
    const j = key % c.n;
    linked.set(i, [...(linked.get(i) ?? []), j]);
    linked.set(j, [...(linked.get(j) ?? []), i]);
  }
  const closing = new Set<number>();
  for (const others of linked.values()) {
    let added = 0;
    for (let x = 0; x < others.length && added < expandPerImage; x += 1) {
      for (let y = x + 1; y < others.length && added < expandPerImage; y += 1) {
        const key = c.code(others[x]!, others[y]!);
        if (verdicts.has(key) || c.banned.has(key) || closing.has(key)) continue;
        closing.add(key);
        added += 1;
      }
    }
  }
  return [...closing];
}

/**
 * Records verification results: a verified pair becomes `near` by the geometry rule; an unverified
 * one keeps its verdict with the geometry attached. `missingCosines` holds the cosines of pairs
 * outside the kNN lists (expansion and known pairs), in the order of `keys`.
 */
function recordVerified(
  c: Candidates,
  verdicts: Map<number, PairVerdict | null>,
  verification: SweepStats['verification'],
  keys: readonly number[],
  ids: ReadonlyArray<readonly [string, string]>,
  results: ReadonlyArray<PairGeometry | null>,
  missingCosines: readonly number[] | undefined,
  known: boolean,
): void {
  keys.forEach((key, x) => {
    const geometry = results[x];
    if (!geometry) {
      verification.unavailable += 1;
      return;
    }
    const i = Math.floor(key / c.n);
    const j = key % c.n;
    const before = verdicts.get(key);
    const hash = c.hashMatch(i, j);
    const cosine = missingCosines ? missingCosines[x]! : (before?.cosine ?? c.candidates.get(key) ?? -1);
    if (missingCosines) c.candidates.set(key, cosine);
    if (!geometry.verified) {
      if (before) verdicts.set(key, { ...before, geometry, geometryFrom: ids[x]![0] });
      return;
    }
    if (!known) verification.verified += 1;
    verdicts.set(key, {
      kind: 'near',
      rule: 'geometry',
      hamming: hash.hamming,
      variant: hash.variant,
      cosine: Number.isNaN(cosine) ? -1 : cosine,
      geometry,
      geometryFrom: ids[x]![0],
    });
  });
}

/** The verdicts as pairs naming the smaller id first (like dedup_decisions), with counts per kind. */
function collectPairs(
  input: SweepInput,
  verdicts: ReadonlyMap<number, PairVerdict | null>,
  n: number,
): { pairs: SweepPair[]; pairCount: Record<DedupKind, number> } {
  const pairs: SweepPair[] = [];
  const pairCount: Record<DedupKind, number> = { exact: 0, near: 0, similar: 0 };
  for (const [key, verdict] of verdicts) {
    if (!verdict) continue;
    const a = input.images[Math.floor(key / n)]!;
    const b = input.images[key % n]!;
    pairs.push(
      a.imageId < b.imageId
        ? { a: a.imageId, b: b.imageId, verdict }
        : { a: b.imageId, b: a.imageId, verdict },
    );
    pairCount[verdict.kind] += 1;
  }
  return { pairs, pairCount };
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
      const member: SweepMember = { imageId: m.imageId, hamming, cosine, qualityScore: m.qualityScore };
      if (known) {
        const geometry =
          known.geometry &&
          (known.geometryFrom === g.keep.imageId ? known.geometry : reverseGeometry(known.geometry));
        member.evidence = geometry ? { rule: known.rule, geometry } : { rule: known.rule };
      }
      return member;
    }),
  }));
}
