import type { SearchHit } from '../vector-store.port';

/** The one result order of every adapter: score descending, then point id ascending. */
export function compareHits(a: SearchHit, b: SearchHit): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Merges hit lists keeping each point's best score (crop queries, multi-query fusion). */
export function mergeMaxScore(lists: readonly SearchHit[][]): SearchHit[] {
  const best = new Map<string, SearchHit>();
  for (const list of lists) {
    for (const hit of list) {
      const seen = best.get(hit.id);
      if (!seen || hit.score > seen.score)
        best.set(hit.id, seen?.payload && !hit.payload ? { ...hit, payload: seen.payload } : hit);
    }
  }
  return [...best.values()].sort(compareHits);
}

/** Applies threshold, order, offset and limit to a candidate list the engine returned. */
export function pageHits(
  hits: readonly SearchHit[],
  offset: number,
  limit: number,
  scoreThreshold?: number,
): SearchHit[] {
  const kept = scoreThreshold === undefined ? [...hits] : hits.filter((h) => h.score >= scoreThreshold);
  return kept.sort(compareHits).slice(offset, offset + limit);
}

/** Candidates fetched past the page when equal scores straddle its end. */
export const TIE_WINDOW = 1000;

/**
 * Returns the top `fetch` hits with ties broken by id even when an engine cut a group of equal
 * scores arbitrarily: it asks for one hit more, and when that one ties with the last, asks
 * again for everything scoring at least the boundary score.
 */
export async function topWithTies(
  fetch: number,
  run: (limit: number, minScore?: number) => Promise<SearchHit[]>,
): Promise<SearchHit[]> {
  const first = [...(await run(fetch + 1))].sort(compareHits);
  if (first.length <= fetch || first[fetch - 1]!.score !== first[fetch]!.score) return first.slice(0, fetch);
  const boundary = first[fetch]!.score;
  const wider = [...(await run(fetch + TIE_WINDOW, boundary))]
    .filter((h) => h.score >= boundary)
    .sort(compareHits);
  return wider.slice(0, fetch);
}

/**
 * The first `k` items in `cmp` order without sorting them all: a bounded max-heap, O(n log k).
 * Returns them sorted.
 */
export function topK<T>(items: Iterable<T>, k: number, cmp: (a: T, b: T) => number): T[] {
  if (k <= 0) return [];
  const heap: T[] = [];
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (cmp(heap[i]!, heap[parent]!) <= 0) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && cmp(heap[l]!, heap[worst]!) > 0) worst = l;
      if (r < heap.length && cmp(heap[r]!, heap[worst]!) > 0) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      up(heap.length - 1);
    } else if (cmp(item, heap[0]!) < 0) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort(cmp);
}
