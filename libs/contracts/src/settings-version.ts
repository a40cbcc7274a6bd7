import type { SettingsVersion } from './generated/common/v1/common';

/** An applied settings version as stored (libs/persistence TenantSettingsRepository's shape). */
export interface StoredSettingsVersion {
  version: number;
  settings: object;
  previous: object;
  appliedBy: string;
  appliedAt: Date;
  undoneBy: string | null;
  undoneAt: Date | null;
}

/** A stored version as the contract carries it: numbers only (every applicable setting is one). */
export function settingsVersionMessage(v: StoredSettingsVersion): SettingsVersion {
  const numbers = (o: object) =>
    Object.fromEntries(Object.entries(o).filter((e): e is [string, number] => typeof e[1] === 'number'));
  return {
    version: v.version,
    settings: numbers(v.settings),
    previous: numbers(v.previous),
    appliedBy: v.appliedBy,
    appliedAt: v.appliedAt.toISOString(),
    undoneBy: v.undoneBy ?? '',
    undoneAt: v.undoneAt?.toISOString() ?? '',
  };
}
