import type { VectorStore } from '../vector-store.port';

/**
 * Which model's vectors a quality-loop service compares: the preferred one when the collection has
 * it, else the collection's newest. The collection's model list is read at most once per `ttlMs`
 * (every check and score asks); an empty collection is asked again next time, since the first
 * upload creates it.
 */
export class ActiveModel {
  private models?: { names: string[]; at: number };

  constructor(
    private readonly store: VectorStore,
    private readonly ttlMs = 5000,
  ) {}

  async resolve(preferred?: string): Promise<string | null> {
    let names = this.models && Date.now() - this.models.at <= this.ttlMs ? this.models.names : undefined;
    if (!names) {
      const description = await this.store.describeCollection();
      names = description?.models.map((m) => m.name) ?? [];
      this.models = names.length > 0 ? { names, at: Date.now() } : undefined;
      if (names.length === 0) return null;
    }
    if (preferred && names.includes(preferred)) return preferred;
    return names[names.length - 1] ?? null;
  }
}
