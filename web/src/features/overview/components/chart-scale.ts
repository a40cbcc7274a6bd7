/** The top of a count axis: a round number (1, 2, 2.5 or 5 × 10^k) at or above `max`, at least 1. */
export function niceMax(max: number): number {
  if (!(max > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Evenly spaced tick values from 0 to `top` (whole numbers only, so a count axis never says 0.5). */
export function axisTicks(top: number, count = 4): number[] {
  const step = top / count;
  const ticks = Array.from({ length: count + 1 }, (_, i) => i * step);
  return Number.isInteger(step) ? ticks : [0, top];
}

/** A bucket's start as the axis shows it: the hour (UTC offset of the browser) or the day. */
export function bucketLabel(iso: string, bucket: 'hour' | 'day'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return bucket === 'hour'
    ? date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
}

/** The bucket in words, for a tooltip: "6 Dec, 14:00–15:00" or "Sun 6 Dec". */
export function bucketTitle(iso: string, bucket: 'hour' | 'day'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  if (bucket === 'day')
    return date.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });
  const end = new Date(date.getTime() + 3_600_000);
  const time = (d: Date) => d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return `${date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })}, ${time(date)}–${time(end)}`;
}

/** Which buckets get an x-axis label: the first, the last and a few between, never crowded. */
export function labelledBuckets(count: number, most = 5): number[] {
  if (count <= 0) return [];
  if (count <= most) return Array.from({ length: count }, (_, i) => i);
  const step = (count - 1) / (most - 1);
  return [...new Set(Array.from({ length: most }, (_, i) => Math.round(i * step)))];
}
