import type { EmbeddingMap } from '@/api/types';

export type ColorBy = 'group' | 'anomaly' | 'tag';

export const noneColor = 'rgba(148, 148, 160, 0.55)';
/** Tableau 10 without its grey, which means "none" here. */
export const categorical = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#17becf',
];
/** Sequential, light (usual) to dark red (odd), ColorBrewer OrRd without its palest steps. */
export const anomalyRamp = ['#fdd49e', '#fdbb84', '#fc8d59', '#ef6548', '#d7301f', '#b30000', '#7f0000'];
const otherTagColor = '#6b6b7b';
export const topTags = categorical.length - 2;

export type LegendItem =
  | { kind: 'swatch'; color: string; label: string; count: number }
  | { kind: 'swatches'; colors: string[]; label: string; count: number }
  | { kind: 'ramp'; colors: string[]; label: string; min: number; max: number; count: number };

/**
 * Each point's colour as an index into `palette`. Palette entry 0 is always "none" (grey), drawn first,
 * so coloured points lie on top; the anomaly ramp is ordered so the oddest are drawn last.
 */
export interface Coloring {
  palette: string[];
  colorOf: Uint8Array;
  legend: LegendItem[];
}

type MapColumns = Pick<EmbeddingMap, 'anomaly' | 'group' | 'tag' | 'group_ids'>;

export function colorPoints(map: MapColumns, by: ColorBy): Coloring {
  if (by === 'anomaly') return colorByAnomaly(map.anomaly);
  if (by === 'tag') return colorByTag(map.tag);
  return colorByGroup(map.group, map.group_ids.length);
}

/** Group index → a categorical colour (cycling past ten groups); no group: grey. */
export function colorByGroup(group: readonly number[], groupCount: number): Coloring {
  const colorOf = new Uint8Array(group.length);
  let grouped = 0;
  group.forEach((g, i) => {
    if (g >= 0) {
      colorOf[i] = 1 + (g % categorical.length);
      grouped += 1;
    }
  });
  const legend: LegendItem[] = [];
  if (grouped > 0)
    legend.push({
      kind: 'swatches',
      colors: categorical.slice(0, Math.min(groupCount, categorical.length)),
      label:
        groupCount > categorical.length
          ? `In one of ${groupCount} open duplicate groups (colours repeat)`
          : `In one of ${groupCount} open duplicate group${groupCount === 1 ? '' : 's'}, a colour each`,
      count: grouped,
    });
  legend.push({ kind: 'swatch', color: noneColor, label: 'In no open group', count: group.length - grouped });
  return { palette: [noneColor, ...categorical], colorOf, legend };
}

/**
 * Scored points on a sequential ramp over the scores present (min..max, in equal steps); unscored
 * (negative) points grey.
 */
export function colorByAnomaly(anomaly: readonly number[]): Coloring {
  const colorOf = new Uint8Array(anomaly.length);
  let min = Infinity;
  let max = -Infinity;
  for (const score of anomaly) {
    if (score < 0 || !Number.isFinite(score)) continue;
    if (score < min) min = score;
    if (score > max) max = score;
  }
  const scored = Number.isFinite(min);
  const steps = anomalyRamp.length;
  const span = max - min;
  let count = 0;
  anomaly.forEach((score, i) => {
    if (score < 0 || !Number.isFinite(score)) return;
    count += 1;
    const step = span > 0 ? Math.min(steps - 1, Math.floor(((score - min) / span) * steps)) : steps - 1;
    colorOf[i] = 1 + step;
  });
  const legend: LegendItem[] = [];
  if (scored) legend.push({ kind: 'ramp', colors: anomalyRamp, label: 'Anomaly score', min, max, count });
  legend.push({ kind: 'swatch', color: noneColor, label: 'Not scored', count: anomaly.length - count });
  return { palette: [noneColor, ...anomalyRamp], colorOf, legend };
}

/** The most frequent tags a colour each (ties by name), the rest "other"; untagged grey. */
export function colorByTag(tag: readonly string[]): Coloring {
  const counts = new Map<string, number>();
  for (const t of tag) if (t) counts.set(t, (counts.get(t) ?? 0) + 1);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top = ranked.slice(0, topTags);
  const slot = new Map(top.map(([name], i) => [name, 1 + i]));
  const otherSlot = 1 + top.length;
  const colorOf = new Uint8Array(tag.length);
  let other = 0;
  let untagged = 0;
  tag.forEach((t, i) => {
    if (!t) {
      untagged += 1;
      return;
    }
    const s = slot.get(t);
    if (s === undefined) {
      colorOf[i] = otherSlot;
      other += 1;
    } else colorOf[i] = s;
  });
  const palette = [noneColor, ...top.map((_, i) => categorical[i]!), otherTagColor];
  const legend: LegendItem[] = top.map(([name, count], i) => ({
    kind: 'swatch',
    color: categorical[i]!,
    label: name,
    count,
  }));
  if (other > 0)
    legend.push({
      kind: 'swatch',
      color: otherTagColor,
      label: `Other tags (${ranked.length - top.length})`,
      count: other,
    });
  legend.push({ kind: 'swatch', color: noneColor, label: 'Untagged', count: untagged });
  return { palette, colorOf, legend };
}

/**
 * The points grouped by colour (a counting sort), so a frame sets each fill style once and draws each
 * colour's points as one path, in palette order.
 */
export interface ColorBuckets {
  start: Int32Array;
  items: Int32Array;
}

export function bucketByColor(coloring: Coloring): ColorBuckets {
  const { colorOf, palette } = coloring;
  const start = new Int32Array(palette.length + 1);
  for (const c of colorOf) start[c + 1] = start[c + 1]! + 1;
  for (let c = 0; c < palette.length; c += 1) start[c + 1] = start[c + 1]! + start[c]!;
  const fill = start.slice(0, palette.length);
  const items = new Int32Array(colorOf.length);
  colorOf.forEach((c, i) => {
    const slot = fill[c]!;
    items[slot] = i;
    fill[c] = slot + 1;
  });
  return { start, items };
}
