import { LookalikeError } from '@lookalike/contracts';
import type { DedupConfig } from '../dedup.config';
import { defaultThresholds, mergeThresholds, type DedupThresholds } from '../domain/dedup-thresholds';
import { parseKeepRules, type KeepRule } from '../domain/keep-rules';

export const DEDUP_SETTINGS = 'DEDUP_SETTINGS';

/** The validated dedup configuration: thresholds per model and tenant, keep rules, windows. */
export class DedupSettings {
  readonly keepRules: KeepRule[];
  private readonly tenants: Record<string, Partial<DedupThresholds>>;

  constructor(readonly config: DedupConfig) {
    this.keepRules = parseKeepRules(config.DEDUP_KEEP_RULES);
    try {
      this.tenants = JSON.parse(config.DEDUP_TENANT_THRESHOLDS) as Record<string, Partial<DedupThresholds>>;
    } catch {
      throw LookalikeError.invalid('DEDUP_TENANT_THRESHOLDS must be a JSON object');
    }
    for (const patch of Object.values(this.tenants)) this.thresholdsFrom('mobilenet', patch);
  }

  /** Defaults of the model, the environment's overrides, then the tenant's. */
  thresholds(model: string, owner: string): DedupThresholds {
    return this.thresholdsFrom(model, this.tenants[owner] ?? {});
  }

  private thresholdsFrom(model: string, tenant: Partial<DedupThresholds>): DedupThresholds {
    const c = this.config;
    const env: Partial<DedupThresholds> = {
      phashMax: c.DEDUP_PHASH_MAX,
      hashVariants: c.DEDUP_HASH_VARIANTS,
      similarMutualK: c.DEDUP_SIMILAR_MUTUAL_K,
      ...(c.DEDUP_COSINE_NEAR !== undefined ? { cosineNear: c.DEDUP_COSINE_NEAR } : {}),
      ...(c.DEDUP_COSINE_SIMILAR !== undefined ? { cosineSimilar: c.DEDUP_COSINE_SIMILAR } : {}),
    };
    return mergeThresholds(mergeThresholds(defaultThresholds(model), env), tenant);
  }
}
