import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipPreprocessor } from '../../src/preprocess/clip-preprocess';
import { inspectImage } from '../../src/preprocess/image-decode';

/** ../shared/datasets/dev-nearcopies, relative to the repository root. */
export const NEAR_COPIES_DIR = join(__dirname, '../../../../../shared/datasets/dev-nearcopies');

export interface NearCopyTruth {
  groups: string[][];
  singletons: string[];
}

export function readNearCopies(dir = NEAR_COPIES_DIR): NearCopyTruth & { files: string[] } {
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as NearCopyTruth;
  return { ...truth, files: [...truth.groups.flat(), ...truth.singletons] };
}

export const cosine = (a: Float32Array, b: Float32Array): number => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
};

/** The original of a group is the file without a `__transform` suffix. */
export const originalOf = (group: string[]): string => group.find((f) => !f.includes('__')) ?? group[0];

export interface NearCopyScores {
  originals: number;
  /** Originals whose nearest neighbour is one of their copies. */
  nearestIsCopy: number;
  /** Originals for which every transformed copy scores above every non-copy. */
  separated: number;
  /** Copies that score above every non-copy, of all copies. */
  copiesAboveAll: number;
  copies: number;
  /** Copies found within the top |copies of that original| neighbours (R-precision). */
  copiesInTopR: number;
  /** Per transform: copies above every non-copy / copies with that transform. */
  byTransform: Record<string, { above: number; total: number }>;
}

/** Scores the near-copy retrieval of any embedding: `vectors` holds one L2-normalised vector per file. */
export function scoreNearCopies(truth: NearCopyTruth, vectors: Map<string, Float32Array>): NearCopyScores {
  const all = [...truth.groups.flat(), ...truth.singletons];
  const scores: NearCopyScores = {
    originals: 0,
    nearestIsCopy: 0,
    separated: 0,
    copiesAboveAll: 0,
    copies: 0,
    copiesInTopR: 0,
    byTransform: {},
  };
  for (const group of truth.groups) {
    const original = originalOf(group);
    const query = vectors.get(original);
    if (!query) throw new Error(`no vector for ${original}`);
    const members = new Set(group);
    const ranked = all
      .filter((f) => f !== original)
      .map((f) => ({ f, score: cosine(query, vectors.get(f) as Float32Array), copy: members.has(f) }))
      .sort((a, b) => b.score - a.score);
    const bestOther = Math.max(...ranked.filter((r) => !r.copy).map((r) => r.score));
    const copies = ranked.filter((r) => r.copy);
    const top = new Set(ranked.slice(0, copies.length).map((r) => r.f));
    scores.originals += 1;
    if (ranked[0]?.copy) scores.nearestIsCopy += 1;
    if (copies.every((c) => c.score > bestOther)) scores.separated += 1;
    for (const copy of copies) {
      const transform = copy.f.split('__')[1]?.replace(/\.[a-z]+$/, '') ?? 'none';
      const entry = (scores.byTransform[transform] ??= { above: 0, total: 0 });
      entry.total += 1;
      scores.copies += 1;
      if (copy.score > bestOther) {
        entry.above += 1;
        scores.copiesAboveAll += 1;
      }
      if (top.has(copy.f)) scores.copiesInTopR += 1;
    }
  }
  return scores;
}

/**
 * The dev-set files `size` at a time, each group preprocessed into one batch tensor (the model's
 * input layout) and handed to `run` with its file names.
 */
export async function forEachBatch(
  pre: ClipPreprocessor,
  files: readonly string[],
  run: (batch: Float32Array, files: string[]) => Promise<void>,
  size = 8,
): Promise<void> {
  for (let i = 0; i < files.length; i += size) {
    const group = files.slice(i, i + size);
    const batch = new Float32Array(group.length * pre.tensorLength);
    for (const [j, file] of group.entries()) {
      const bytes = readFileSync(join(NEAR_COPIES_DIR, 'images', file));
      await pre.preprocess(bytes, await inspectImage(bytes), undefined, batch, j * pre.tensorLength);
    }
    await run(batch, group);
  }
}
