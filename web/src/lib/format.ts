export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatScore(score: number | undefined | null, digits = 3): string {
  return typeof score === 'number' && Number.isFinite(score) ? score.toFixed(digits) : '–';
}

export function formatPercent(value: number | undefined | null): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value * 100)}%` : '–';
}

export function formatDate(iso: string | undefined | null): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A duration or a time in a video as m:ss (h:mm:ss from an hour), rounded to the second. */
export function formatDuration(ms: number | undefined | null): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '–';
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A time in a video to the tenth of a second: m:ss.s (h:mm:ss.s from an hour). */
export function formatTimestamp(ms: number | undefined | null): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return '–';
  const tenths = Math.round(ms / 100);
  const whole = Math.floor(tenths / 10);
  return `${formatDuration(whole * 1000)}.${tenths % 10}`;
}

/** A signed time offset in seconds with one decimal: "+4.0 s", "−3.0 s" (a real minus sign), "0.0 s". */
export function formatOffset(ms: number | undefined | null): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  const seconds = Math.abs(ms) / 1000;
  const text = `${seconds.toFixed(1)} s`;
  if (text === '0.0 s') return text;
  return `${ms > 0 ? '+' : '\u2212'}${text}`;
}

/**
 * A signed shift between two videos' times as m:ss.s: "+0:03.0", "−0:02.0" (a real minus sign),
 * "0:00.0" when there is none.
 */
export function formatSignedTimestamp(ms: number | undefined | null): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  const text = formatTimestamp(Math.abs(ms));
  if (Math.round(Math.abs(ms) / 100) === 0) return text;
  return `${ms > 0 ? '+' : '\u2212'}${text}`;
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}

import type { ImageFilter } from '@/api/types';

export type QualityFlag = NonNullable<ImageFilter['flags_all']>[number];

export const qualityFlagLabels: Record<QualityFlag, string> & Record<string, string | undefined> = {
  dark: 'Dark',
  overexposed: 'Overexposed',
  blurry: 'Blurry',
  low_information: 'Low information',
  odd_aspect: 'Odd aspect',
  odd_size: 'Odd size',
  grayscale: 'Grayscale',
};

export const qualityFlags = Object.keys(qualityFlagLabels) as QualityFlag[];

/** A count with thousands separators, the same in every locale the tests run in: "12,345". */
export function formatCount(value: number | undefined | null): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : '–';
}

/** How long something has waited, in its largest whole unit: "45 s", "12 min", "3 h", "2 d". */
export function formatAge(seconds: number | undefined | null): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return `${Math.floor(seconds / 86_400)} d`;
}
