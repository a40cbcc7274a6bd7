import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';

export interface HnswGraphOptions {
  dimension: number;
  m: number;
  efConstruction: number;
  /** Initial capacity; the graph doubles it when full. */
  capacity?: number;
}

/** What a snapshot's manifest records beside hnswlib's own index file. */
interface GraphManifest {
  format: 2;
  dimension: number;
  m: number;
  efConstruction: number;
  nextLabel: number;
  /** [label, point id, vectorHash of its vector] of every live element. */
  labels: [number, string, number][];
}

export interface GraphHit {
  id: string;
  /** hnswlib's cosine distance (1 - cosine). */
  distance: number;
}

const MIN_CAPACITY = 1024;

/**
 * One HNSW graph (hnswlib) over the points of one tenant for one named vector. Point ids map to
 * integer labels; a delete marks the element and a later insert reuses its slot
 * (`allowReplaceDeleted`), so churn does not grow the graph; an insert of a known id replaces
 * its vector in place.
 */
export class HnswGraph {
  private index: HierarchicalNSW;
  private readonly labels = new Map<string, number>();
  private readonly ids = new Map<number, string>();
  private readonly hashes = new Map<string, number>();
  private nextLabel = 0;
  private deleted = 0;

  constructor(private readonly options: HnswGraphOptions) {
    this.index = new HierarchicalNSW('cosine', options.dimension);
    this.index.initIndex({
      maxElements: Math.max(MIN_CAPACITY, options.capacity ?? 0),
      m: options.m,
      efConstruction: options.efConstruction,
      randomSeed: 100,
      allowReplaceDeleted: true,
    });
  }

  get size(): number {
    return this.labels.size;
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  has(id: string): boolean {
    return this.labels.has(id);
  }

  /** The id a label stands for (filter callbacks get labels). */
  idOf(label: number): string | undefined {
    return this.ids.get(label);
  }

  upsert(id: string, vector: Float32Array): void {
    const values = Array.from(vector);
    this.hashes.set(id, vectorHash(vector));
    const known = this.labels.get(id);
    if (known !== undefined) {
      this.index.addPoint(values, known);
      return;
    }
    const reuse = this.deleted > 0;
    if (!reuse && this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(this.index.getMaxElements() * 2);
    }
    const label = this.nextLabel++;
    this.index.addPoint(values, label, reuse);
    if (reuse) this.deleted -= 1;
    this.labels.set(id, label);
    this.ids.set(label, id);
  }

  remove(id: string): void {
    const label = this.labels.get(id);
    if (label === undefined) return;
    this.index.markDelete(label);
    this.labels.delete(id);
    this.ids.delete(label);
    this.hashes.delete(id);
    this.deleted += 1;
  }

  /**
   * The `k` nearest live elements (fewer when the filter passes fewer), searching `ef` wide.
   * `accept` sees each candidate's point id; hnswlib calls it from inside the graph walk, so the
   * walk goes on until it has k accepted elements.
   */
  search(query: Float32Array, k: number, ef: number, accept?: (id: string) => boolean): GraphHit[] {
    const limit = Math.min(k, this.labels.size);
    if (limit <= 0) return [];
    this.index.setEf(Math.max(ef, limit));
    const filter = accept
      ? (label: number) => {
          const id = this.ids.get(label);
          return id !== undefined && accept(id);
        }
      : undefined;
    const result = this.index.searchKnn(Array.from(query), limit, filter);
    const hits: GraphHit[] = [];
    for (let i = 0; i < result.neighbors.length; i++) {
      const id = this.ids.get(result.neighbors[i]!);
      if (id !== undefined) hits.push({ id, distance: result.distances[i]! });
    }
    return hits;
  }

  /**
   * Whether the graph holds exactly this vector for the point: compared by a hash of its bits, so
   * checking a snapshot against the durable copy reads nothing back out of hnswlib.
   */
  holds(id: string, vector: Float32Array): boolean {
    return this.hashes.get(id) === vectorHash(vector);
  }

  liveIds(): IterableIterator<string> {
    return this.labels.keys();
  }

  /**
   * Writes the graph as a new generation beside `base` (`<base>.<gen>.bin` + `.json`), then
   * points `<base>.current` at it with one rename, then removes older generations: a crash at
   * any step leaves a complete snapshot (the old one or the new one) to start from.
   */
  save(base: string): void {
    const manifest: GraphManifest = {
      format: 2,
      dimension: this.options.dimension,
      m: this.options.m,
      efConstruction: this.options.efConstruction,
      nextLabel: this.nextLabel,
      labels: [...this.labels.entries()].map(([id, label]) => [label, id, this.hashes.get(id)!]),
    };
    const generation = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    this.index.writeIndexSync(`${base}.${generation}.bin`);
    writeFileSync(`${base}.${generation}.json`, JSON.stringify(manifest));
    writeFileSync(`${base}.current.tmp`, generation);
    renameSync(`${base}.current.tmp`, `${base}.current`);
    HnswGraph.removeGenerations(base, generation);
  }

  /**
   * Loads the snapshot `save` last completed, or returns undefined when there is none, it is
   * unreadable, or it was written with other options (the caller then builds from the points).
   */
  static load(base: string, options: HnswGraphOptions): HnswGraph | undefined {
    try {
      if (!existsSync(`${base}.current`)) return undefined;
      const generation = readFileSync(`${base}.current`, 'utf8').trim();
      const manifest = JSON.parse(readFileSync(`${base}.${generation}.json`, 'utf8')) as GraphManifest;
      if (
        manifest.format !== 2 ||
        manifest.dimension !== options.dimension ||
        manifest.m !== options.m ||
        manifest.efConstruction !== options.efConstruction
      )
        return undefined;
      const graph = new HnswGraph({ ...options, capacity: MIN_CAPACITY });
      graph.index.readIndexSync(`${base}.${generation}.bin`, true);
      if (graph.index.getCurrentCount() < manifest.labels.length) return undefined;
      for (const [label, id, hash] of manifest.labels) {
        graph.labels.set(id, label);
        graph.ids.set(label, id);
        graph.hashes.set(id, hash);
      }
      graph.nextLabel = manifest.nextLabel;
      graph.deleted = graph.index.getCurrentCount() - manifest.labels.length;
      return graph;
    } catch {
      return undefined;
    }
  }

  /** Removes every snapshot generation of `base` but `keep`. */
  static removeGenerations(base: string, keep?: string): void {
    const dir = dirname(base);
    const prefix = `${basename(base)}.`;
    if (!existsSync(dir)) return;
    for (const file of readdirSync(dir)) {
      if (!file.startsWith(prefix) || (!file.endsWith('.bin') && !file.endsWith('.json'))) continue;
      const generation = file.slice(prefix.length).replace(/\.(bin|json)$/, '');
      if (generation !== keep) rmSync(join(dir, file), { force: true });
    }
    if (keep === undefined) rmSync(`${base}.current`, { force: true });
  }
}

/** FNV-1a over the float bits: equal vectors (as stored, already normalised) hash alike. */
export function vectorHash(vector: Float32Array): number {
  const words = new Uint32Array(vector.buffer, vector.byteOffset, vector.length);
  let hash = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    hash ^= words[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
