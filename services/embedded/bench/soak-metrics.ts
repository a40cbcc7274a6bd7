/** Prometheus text exposition, as the stack's /metrics endpoints write it, read back for the soak. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** Metric names by declared type (`# TYPE name histogram`). */
  types: Map<string, string>;
}

/** Cumulative bucket counts by upper bound (Infinity for +Inf), as in the exposition. */
export interface HistogramData {
  buckets: Map<number, number>;
  sum: number;
  count: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (name && type) types.set(name, type);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    if (!Number.isNaN(value)) samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

/** Scrapes and merges several /metrics endpoints (one per process); an unreachable one is skipped. */
export async function scrape(urls: string[]): Promise<Scrape> {
  const texts = await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
        return response.ok ? await response.text() : '';
      } catch {
        return '';
      }
    }),
  );
  const merged = texts.map(parseMetrics);
  return {
    samples: merged.flatMap((s) => s.samples),
    types: new Map(merged.flatMap((s) => [...s.types])),
  };
}

export type LabelMatch = (labels: Record<string, string>) => boolean;

/**
 * The sum of every series of histogram `metric` whose labels pass `match`; undefined when no
 * process registered the metric at all (the table says "n/a" rather than 0).
 */
export function histogramOf(
  s: Scrape,
  metric: string,
  match: LabelMatch = () => true,
): HistogramData | undefined {
  if (s.types.get(metric) !== 'histogram') return undefined;
  const out: HistogramData = { buckets: new Map(), sum: 0, count: 0 };
  for (const x of s.samples) {
    if (!match(x.labels)) continue;
    if (x.name === `${metric}_bucket`) {
      const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le);
      out.buckets.set(le, (out.buckets.get(le) ?? 0) + x.value);
    } else if (x.name === `${metric}_sum`) out.sum += x.value;
    else if (x.name === `${metric}_count`) out.count += x.value;
  }
  return out;
}

/** Total of a histogram's `_count` (or a counter) over the series that pass `match`. */
export function countOf(s: Scrape, metric: string, match: LabelMatch = () => true): number | undefined {
  const type = s.types.get(metric);
  if (!type) return undefined;
  const name = type === 'histogram' ? `${metric}_count` : metric;
  return s.samples.filter((x) => x.name === name && match(x.labels)).reduce((a, x) => a + x.value, 0);
}

/** Histogram names (as declared) that match `pattern`. */
export function histogramNames(s: Scrape, pattern: RegExp): string[] {
  return [...s.types].filter(([n, t]) => t === 'histogram' && pattern.test(n)).map(([n]) => n);
}

function combine(a: HistogramData, b: HistogramData, sign: 1 | -1): HistogramData {
  const buckets = new Map(a.buckets);
  for (const [le, n] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + sign * n);
  return { buckets, sum: a.sum + sign * b.sum, count: a.count + sign * b.count };
}

export function addHistograms(
  a: HistogramData | undefined,
  b: HistogramData | undefined,
): HistogramData | undefined {
  if (!a) return b;
  if (!b) return a;
  return combine(a, b, 1);
}

/** `end - start`; a series absent at the start counts from zero (a process that just started). */
export function histogramDelta(
  end: HistogramData | undefined,
  start: HistogramData | undefined,
): HistogramData | undefined {
  if (!end) return undefined;
  return start ? combine(end, start, -1) : end;
}

/**
 * The q-quantile in seconds by linear interpolation inside the bucket, like PromQL's
 * histogram_quantile; `above` when it falls in the +Inf bucket (the value is then the largest
 * finite bound, a lower bound of the truth). Undefined without observations.
 */
export function quantile(
  h: HistogramData | undefined,
  q: number,
): { seconds: number; above: boolean } | undefined {
  if (!h || h.count <= 0) return undefined;
  const bounds = [...h.buckets.keys()].sort((a, b) => a - b);
  const rank = q * h.count;
  let previousBound = 0;
  let previousCount = 0;
  for (const bound of bounds) {
    const count = h.buckets.get(bound) ?? 0;
    if (count >= rank) {
      if (bound === Infinity) return { seconds: previousBound, above: true };
      const share = count > previousCount ? (rank - previousCount) / (count - previousCount) : 1;
      return { seconds: previousBound + (bound - previousBound) * share, above: false };
    }
    previousBound = bound;
    previousCount = count;
  }
  return { seconds: previousBound, above: true };
}
