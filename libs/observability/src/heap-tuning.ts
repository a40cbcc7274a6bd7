import { setFlagsFromString } from 'node:v8';

/** V8's heap growing factor after a full GC, as `1 + percent / 100` (0: V8 chooses, as without it). */
export const DEFAULT_HEAP_GROWING_PERCENT = 100;

let applied: number | undefined;

/**
 * Lets the old generation grow to `1 + percent / 100` times its live size before the next full
 * (mark-compact) collection. V8's own factor is dynamic and, for a process that decodes images, ends
 * near 1.1-1.3: the embedded stack's live heap of about 80 MB then ran a mark-compact every 0.4-0.5 s
 * at 8 uploads/s (70 in a 300-upload run, 34 ms of GC CPU per upload with the concurrent markers).
 * At 100 (factor 2) the same run had 5 and GC took 7 ms per upload, for about 80 MB more heap at
 * most (docs/ingest.md, "Where an upload's CPU goes").
 *
 * The flag is read whenever V8 sets the next limit, so setting it at start-up takes effect from the
 * first full collection on; it is process-wide (worker threads too). Applied once per process: the
 * first value wins (the embedded host starts every service in one process).
 */
export function tuneHeapGrowth(percent: number): void {
  if (applied !== undefined || percent <= 0) return;
  applied = percent;
  setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}

/** The growing percent applied in this process, if any (for the spec and diagnostics). */
export function heapGrowthApplied(): number | undefined {
  return applied;
}
