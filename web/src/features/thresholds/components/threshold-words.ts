import type { SettingsVersion, SignalThreshold, ThresholdAgreement } from '@/api/types';

type Setting = SignalThreshold['setting'];
type Source = SignalThreshold['source'];

/** What each setting does, in a reviewer's words (docs/quality-loop.md "Thresholds that learn"). */
export const settingWords: Record<Setting, { title: string; does: string }> = {
  cosineSimilar: {
    title: 'Similar by embedding',
    does: 'Two images are grouped as similar when the cosine of their embeddings is at least this, with no other evidence.',
  },
  cosineNear: {
    title: 'Near-copy confirmation',
    does: 'A pair whose perceptual hashes are close is confirmed as a near copy when the cosine of their embeddings is at least this.',
  },
  phashMax: {
    title: 'Perceptual-hash distance',
    does: 'Two images count as near copies when their perceptual hashes differ in at most this many bits (mirrored and turned variants included).',
  },
  minInliers: {
    title: 'Geometric verification',
    does: 'A pair counts as verified when at least this many keypoints match under one geometric transform (RANSAC inliers).',
  },
};

export const signalWords: Record<SignalThreshold['signal'], string> = {
  cosine: 'cosine',
  cosine_near: 'cosine of hash matches',
  phash: 'pHash distance',
  inliers: 'inliers',
};

export const sourceWords: Record<Source | 'applied', string> = {
  default: "the model's default",
  env: 'the environment',
  tenant_env: "the tenant's environment entry",
  applied: 'applied by an admin',
};

export const sourceBadge: Record<Source, string> = {
  default: 'default',
  env: 'env',
  tenant_env: 'tenant env',
  applied: 'applied',
};

const integerSettings = new Set<string>(['phashMax', 'minInliers']);

/** A setting's value as the reviewer reads it: cosines with at least two decimals, counts whole. */
export function formatSetting(name: string, value: number | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  if (integerSettings.has(name)) return String(Math.round(value));
  const text = String(Number(value.toFixed(4)));
  const decimals = text.includes('.') ? text.split('.')[1]!.length : 0;
  return decimals >= 2 ? text : value.toFixed(2);
}

export function formatWeight(value: number | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(2) : '–';
}

/** A suggestion the admin can apply: it exists and moves the value in force. */
export function isApplicable(signal: SignalThreshold): boolean {
  return Boolean(signal.suggested && signal.suggested.threshold !== signal.current);
}

/** "cosineSimilar 0.90 → 0.805": what applying a signal's suggestion changes. */
export function changeLine(signal: SignalThreshold): string {
  return `${signal.setting} ${formatSetting(signal.setting, signal.current)} → ${formatSetting(
    signal.setting,
    signal.suggested?.threshold,
  )}`;
}

/** "10 of 10 duplicates, 3 of 10 not duplicates": the evidence a fit lacks for a suggestion. */
export function evidenceLine(
  positives: number,
  negatives: number,
  minEach: number,
  [positive, negative]: [string, string] = ['duplicates', 'not duplicates'],
): string {
  const of = (n: number, what: string) => `${Math.min(n, minEach)} of ${minEach} ${what}`;
  return `${of(positives, positive)}, ${of(negatives, negative)}`;
}

/** The changes of an applied version against what was in force before it. */
export function versionChanges(version: SettingsVersion, format = formatSetting): string[] {
  return Object.entries(version.settings)
    .filter(([name, value]) => version.previous[name] !== value)
    .map(([name, value]) =>
      name in version.previous
        ? `${name} ${format(name, version.previous[name])} → ${format(name, value)}`
        : `${name} → ${format(name, value)}`,
    );
}

/** What undoing a version changes: each of its settings back to the value before it, or the deployment's. */
export function revertChanges(version: SettingsVersion, format = formatSetting): string[] {
  return Object.entries(version.settings)
    .filter(([name, value]) => version.previous[name] !== value)
    .map(([name, value]) =>
      name in version.previous
        ? `${name} ${format(name, value)} → ${format(name, version.previous[name])}`
        : `${name} ${format(name, value)} → the deployment's value`,
    );
}

export type Trend = 'better' | 'worse' | 'same';

export function trend(current: number, suggested: number, epsilon = 0.0005): Trend {
  if (suggested - current > epsilon) return 'better';
  if (current - suggested > epsilon) return 'worse';
  return 'same';
}

/**
 * A metric where the counts define it: precision needs a pair called duplicate, recall a decided
 * duplicate, MCC any decision. Otherwise it is unknown, not 100% or 0.
 */
export function metricValue(
  agreement: ThresholdAgreement,
  key: 'precision' | 'recall' | 'mcc',
): number | undefined {
  const { tp, fp, fn, tn } = agreement;
  if (key === 'precision') return tp + fp > 0 ? agreement.precision : undefined;
  if (key === 'recall') return tp + fn > 0 ? agreement.recall : undefined;
  return tp + fp + fn + tn > 0 ? agreement.mcc : undefined;
}

export const agreementMetrics = [
  {
    key: 'precision',
    label: 'Precision',
    percent: true,
    hint: 'Of the pairs it calls duplicates, how many reviewers said are',
  },
  {
    key: 'recall',
    label: 'Recall',
    percent: true,
    hint: 'Of the pairs reviewers said are duplicates, how many it calls',
  },
  {
    key: 'mcc',
    label: 'MCC',
    percent: false,
    hint: 'Matthews correlation, −1..1: agreement with both verdicts, what the fit maximises',
  },
] as const satisfies readonly {
  key: keyof ThresholdAgreement;
  label: string;
  percent: boolean;
  hint: string;
}[];
