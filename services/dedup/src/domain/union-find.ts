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

  /** Keys that must never share a set with `key` (reviewers' not-duplicate verdicts). */
  private readonly cannot = new Map<string, Set<string>>();
  private readonly members = new Map<string, string[]>();

  /** Forbids a and b from ever joining one set; unions that would join them are refused. */
  separate(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    this.cannotOf(ra).add(b);
    this.cannotOf(rb).add(a);
  }

  private cannotOf(root: string): Set<string> {
    let set = this.cannot.get(root);
    if (!set) {
      set = new Set();
      this.cannot.set(root, set);
    }
    return set;
  }

  private membersOf(root: string): string[] {
    return this.members.get(root) ?? [root];
  }

  /** Joins the sets of a and b; false when a separation forbids it. */
  union(a: string, b: string): boolean {
    let ra = this.find(a);
    let rb = this.find(b);
    if (ra === rb) return true;
    const banA = this.cannot.get(ra);
    const banB = this.cannot.get(rb);
    if (banA && this.membersOf(rb).some((m) => banA.has(m))) return false;
    if (banB && this.membersOf(ra).some((m) => banB.has(m))) return false;
    if ((this.size.get(ra) ?? 1) < (this.size.get(rb) ?? 1)) [ra, rb] = [rb, ra];
    this.parent.set(rb, ra);
    this.size.set(ra, (this.size.get(ra) ?? 1) + (this.size.get(rb) ?? 1));
    this.members.set(ra, [...this.membersOf(ra), ...this.membersOf(rb)]);
    this.members.delete(rb);
    const ban = this.cannot.get(rb);
    if (ban) {
      for (const id of ban) this.cannotOf(ra).add(id);
      this.cannot.delete(rb);
    }
    return true;
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
