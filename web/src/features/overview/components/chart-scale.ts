/** The top of a count axis: a round number (1, 2, 2.5 or 5 × 10^k) at or above `max`, at least 1. */
export function niceMax(max: number): number {
  if (!(max > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/**
 * Evenly spaced tick values from 0 to `top`: four steps, else two, else none between, whichever
 * gives whole numbers (a count axis never says 2.5).
 */
export function axisTicks(top: number): number[] {
  for (const count of [4, 2]) {
    const step = top / count;
    if (Number.isInteger(step)) return Array.from({ length: count + 1 }, (_, i) => i * step);
  }
  return [0, top];
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

/**
 * Which buckets get an x-axis label: at most `most`, evenly spaced and counted back from the last (the
 * current bucket), so neighbouring labels never collide.
 */
export function labelledBuckets(count: number, most = 5): number[] {
  if (count <= 0) return [];
  const stride = Math.ceil(count / most);
  const labelled: number[] = [];
  for (let i = count - 1; i >= 0; i -= stride) labelled.unshift(i);
  return labelled;
}
