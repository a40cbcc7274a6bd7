import { LookalikeError } from '@lookalike/contracts';
import type { DedupConfig } from '../dedup.config';
import type { CalibratedThresholds } from '../domain/dedup-calibration';
import { defaultThresholds, mergeThresholds, type DedupThresholds } from '../domain/dedup-thresholds';
import { parseKeepRules, type KeepRule } from '../domain/keep-rules';

export const DEDUP_SETTINGS = 'DEDUP_SETTINGS';

/** The settings a tenant's admin may apply (docs/quality-loop.md "Thresholds that learn"). */
export const APPLICABLE_SETTINGS: readonly (keyof CalibratedThresholds)[] = [
  'cosineSimilar',
  'cosineNear',
  'phashMax',
  'minInliers',
];

/** Where the value in force of a setting comes from, lowest precedence first. */
export type ThresholdSource = 'default' | 'env' | 'tenant_env' | 'applied';

export interface AppliedThresholds {
  version: number;
  settings: Partial<CalibratedThresholds>;
}

/** Reads the version a tenant's admin applied (the tenant_settings table in the service). */
export interface AppliedThresholdsReader {
  applied(owner: string): Promise<AppliedThresholds | null>;
}

export interface ResolvedThresholds {
  thresholds: DedupThresholds;
  sources: Record<keyof CalibratedThresholds, ThresholdSource>;
  /** The applied version in force; null: none. */
  version: number | null;
}

/**
 * The validated dedup configuration: thresholds per model and tenant, keep rules, windows.
 * Thresholds are the model's defaults, then the environment's overrides, then the tenant's in
 * DEDUP_TENANT_THRESHOLDS, then the version the tenant's admin applied: an explicit act in the
 * console outranks a deployment-wide setting, and undoing it falls back to the deployment's. The
 * applied version is read at most once per DEDUP_SETTINGS_CACHE_S per tenant and process; apply
 * and undo in this process invalidate it at once.
 */
export class DedupSettings {
  readonly keepRules: KeepRule[];
  private readonly tenants: Record<string, Partial<DedupThresholds>>;
  private readonly cache = new Map<string, { at: number; value: Promise<AppliedThresholds | null> }>();

  constructor(
    readonly config: DedupConfig,
    private readonly reader?: AppliedThresholdsReader,
    private readonly now: () => number = Date.now,
  ) {
    this.keepRules = parseKeepRules(config.DEDUP_KEEP_RULES);
    try {
      this.tenants = JSON.parse(config.DEDUP_TENANT_THRESHOLDS) as Record<string, Partial<DedupThresholds>>;
    } catch {
      throw LookalikeError.invalid('DEDUP_TENANT_THRESHOLDS must be a JSON object');
    }
    for (const patch of Object.values(this.tenants)) this.merged('mobilenet', patch, {});
  }

  /** The thresholds in force for a tenant's sweeps and upload checks. */
  async thresholds(model: string, owner: string): Promise<DedupThresholds> {
    return (await this.resolve(model, owner)).thresholds;
  }

  /** The thresholds in force with where each calibrated one comes from. */
  async resolve(model: string, owner: string): Promise<ResolvedThresholds> {
    const applied = await this.applied(owner);
    const tenant = this.tenants[owner] ?? {};
    const settings = applied?.settings ?? {};
    const env = this.envOverrides();
    const defaults = defaultThresholds(model);
    const sources = Object.fromEntries(
      APPLICABLE_SETTINGS.map((name): [string, ThresholdSource] => [
        name,
        settings[name] !== undefined
          ? 'applied'
          : tenant[name] !== undefined
            ? 'tenant_env'
            : env[name] !== undefined && env[name] !== defaults[name]
              ? 'env'
              : 'default',
      ]),
    ) as ResolvedThresholds['sources'];
    return {
      thresholds: this.merged(model, tenant, settings),
      sources,
      version: applied?.version ?? null,
    };
  }

  /** Forgets a tenant's cached version (after an apply or undo in this process). */
  invalidate(owner: string): void {
    this.cache.delete(owner);
  }

  private applied(owner: string): Promise<AppliedThresholds | null> {
    if (!this.reader) return Promise.resolve(null);
    const ttl = this.config.DEDUP_SETTINGS_CACHE_S * 1000;
    const cached = this.cache.get(owner);
    if (cached && this.now() - cached.at < ttl) return cached.value;
    const value = this.reader.applied(owner);
    if (ttl > 0) {
      this.cache.set(owner, { at: this.now(), value });
      // A failed read is not kept: the next call asks again.
      value.catch(() => this.cache.get(owner)?.value === value && this.cache.delete(owner));
    }
    return value;
  }

  private envOverrides(): Partial<DedupThresholds> {
    const c = this.config;
    return {
      phashMax: c.DEDUP_PHASH_MAX,
      hashVariants: c.DEDUP_HASH_VARIANTS,
      similarMutualK: c.DEDUP_SIMILAR_MUTUAL_K,
      ...(c.DEDUP_COSINE_NEAR !== undefined ? { cosineNear: c.DEDUP_COSINE_NEAR } : {}),
      ...(c.DEDUP_COSINE_SIMILAR !== undefined ? { cosineSimilar: c.DEDUP_COSINE_SIMILAR } : {}),
    };
  }

  private merged(
    model: string,
    tenant: Partial<DedupThresholds>,
    applied: Partial<CalibratedThresholds>,
  ): DedupThresholds {
    return mergeThresholds(
      mergeThresholds(mergeThresholds(defaultThresholds(model), this.envOverrides()), tenant),
      applied,
    );
  }
}
