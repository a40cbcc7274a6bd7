/** Disjoint sets over string keys with path halving and union by size. */
export class UnionFind {
  private readonly parent = new Map<string, string>();
  private readonly size = new Map<string, number>();

  find(key: string): string {
    if (!this.parent.has(key)) {
      this.parent.set(key, key);
      this.size.set(key, 1);
      return key;
    }
    let node = key;
    let parent = this.parent.get(node) as string;
    while (parent !== node) {
      const grand = this.parent.get(parent) as string;
      this.parent.set(node, grand);
      node = grand;
      parent = this.parent.get(node) as string;
    }
    return node;
  }

  union(a: string, b: string): void {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return;
    if ((this.size.get(ra) ?? 1) < (this.size.get(rb) ?? 1)) [ra, rb] = [rb, ra];
    this.parent.set(rb, ra);
    this.size.set(ra, (this.size.get(ra) ?? 1) + (this.size.get(rb) ?? 1));
  }

  /** Sets of two or more keys, each sorted, ordered by their first key. */
  groups(): string[][] {
    const byRoot = new Map<string, string[]>();
    for (const key of this.parent.keys()) {
      const root = this.find(key);
      const members = byRoot.get(root);
      if (members) members.push(key);
      else byRoot.set(root, [key]);
    }
    return [...byRoot.values()]
      .filter((m) => m.length > 1)
      .map((m) => m.sort())
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}
