/** A kept frame of a video, as alignment sees it: its time and whatever the matcher compares. */
export interface AlignedFrame<T> {
  tMs: number;
  value: T;
}

export interface AlignmentOptions {
  /** Offsets are voted in bins of this width; matches within one bin of the winner count. */
  binMs: number;
  /** Fewer matched frames than this at the winning offset is no alignment. */
  minMatches: number;
}

export const DEFAULT_ALIGNMENT_OPTIONS: AlignmentOptions = { binMs: 500, minMatches: 2 };

export interface VideoAlignment {
  /** b's time = a's time + offsetMs (negative: b starts later in a's story, e.g. a trim of a's start). */
  offsetMs: number;
  /** Frame pairs that match at that offset. */
  matches: { aMs: number; bMs: number; score: number }[];
  /** Share of each video's duration covered by matched frames (each frame covers up to the next kept one). */
  matchedShareA: number;
  matchedShareB: number;
}

/**
 * Aligns two frame sequences (temporal Hough voting): every pair of frames the matcher calls
 * similar votes for the time offset between them; the offset with the most votes (neighbouring
 * bins added) wins, and the pairs within a bin of it are the matches, at most one per frame of
 * either video (the best score). Re-encodes, resizes and crops keep the offset at zero; a trim or an
 * inserted intro shifts it; frames of an unrelated video vote for scattered offsets and do not
 * reach `minMatches`. Playback-speed changes are out of scope (the offset is constant).
 *
 * `similar` returns a score (higher is closer) or undefined for no match.
 */
export function alignVideos<T>(
  a: readonly AlignedFrame<T>[],
  b: readonly AlignedFrame<T>[],
  durations: { aMs: number; bMs: number },
  similar: (x: T, y: T) => number | undefined,
  options: AlignmentOptions = DEFAULT_ALIGNMENT_OPTIONS,
): VideoAlignment | undefined {
  const pairs: { i: number; j: number; delta: number; score: number }[] = [];
  for (let i = 0; i < a.length; i += 1) {
    for (let j = 0; j < b.length; j += 1) {
      const score = similar(a[i]!.value, b[j]!.value);
      if (score !== undefined) pairs.push({ i, j, delta: b[j]!.tMs - a[i]!.tMs, score });
    }
  }
  if (pairs.length === 0) return undefined;
  const bin = (delta: number) => Math.round(delta / options.binMs);
  const votes = new Map<number, number>();
  for (const p of pairs) votes.set(bin(p.delta), (votes.get(bin(p.delta)) ?? 0) + 1);
  let best: number | undefined;
  let bestVotes = -1;
  for (const key of [...votes.keys()].sort((x, y) => x - y)) {
    const around = (votes.get(key - 1) ?? 0) + (votes.get(key) ?? 0) + (votes.get(key + 1) ?? 0);
    if (around > bestVotes) {
      best = key;
      bestVotes = around;
    }
  }
  const near = pairs.filter((p) => Math.abs(bin(p.delta) - best!) <= 1).sort((x, y) => y.score - x.score);
  // One match per frame on either side, best scores first.
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const chosen = near.filter((p) => {
    if (usedA.has(p.i) || usedB.has(p.j)) return false;
    usedA.add(p.i);
    usedB.add(p.j);
    return true;
  });
  if (chosen.length < options.minMatches) return undefined;
  // The offset: the median delta of the chosen pairs (robust to a mid-shot first frame).
  const deltas = chosen.map((p) => p.delta).sort((x, y) => x - y);
  const offsetMs = deltas[Math.floor((deltas.length - 1) / 2)]!;
  return {
    offsetMs,
    matches: chosen
      .map((p) => ({ aMs: a[p.i]!.tMs, bMs: b[p.j]!.tMs, score: p.score }))
      .sort((x, y) => x.aMs - y.aMs),
    matchedShareA: coveredShare(a, usedA, durations.aMs),
    matchedShareB: coveredShare(b, usedB, durations.bMs),
  };
}

/** Share of a video's duration covered by the matched frames, each up to the next kept frame. */
function coveredShare<T>(
  frames: readonly AlignedFrame<T>[],
  matched: Set<number>,
  durationMs: number,
): number {
  if (durationMs <= 0) return 0;
  let covered = 0;
  for (const i of matched) {
    const start = frames[i]!.tMs;
    const end = Math.min(durationMs, frames[i + 1]?.tMs ?? durationMs);
    covered += Math.max(0, end - start);
  }
  return Math.min(1, covered / durationMs);
}
