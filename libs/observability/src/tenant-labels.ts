/** The `tenant` label value of every tenant outside the labelled set. */
export const OTHER_TENANT = 'other';

/**
 * Bounded `tenant` labels for per-tenant metrics (docs/OPERATIONS.md, "QC metrics"): at most
 * `limit` tenants are labelled by name, the rest are `other`. The set is the largest tenants by
 * stored images, handed in with `setLargest` whenever the service recounts; until then (and while
 * it holds fewer than `limit`) tenants are admitted as they first appear. So the series of a
 * metric number at most `limit + 1` per other label combination, plus those of tenants that
 * dropped out of the set since the process started (counters keep them).
 */
export class TenantLabels {
  private named = new Set<string>();

  constructor(readonly limit: number) {}

  label(tenant: string): string {
    if (this.named.has(tenant)) return tenant;
    if (this.named.size < this.limit && tenant !== OTHER_TENANT) {
      this.named.add(tenant);
      return tenant;
    }
    return OTHER_TENANT;
  }

  /** The largest tenants, largest first: the first `limit` are labelled from now on. */
  setLargest(tenants: readonly string[]): void {
    this.named = new Set(tenants.filter((t) => t !== OTHER_TENANT).slice(0, this.limit));
  }

  has(tenant: string): boolean {
    return this.named.has(tenant);
  }
}
