import { runSweep, type SweepResult, type SweepVerification } from '../../src/domain/dedup-sweep';
import {
  type DedupImage,
  DEDUP_KINDS,
  KIND_STRENGTH,
  pairKey,
  type DedupKind,
} from '../../src/domain/dedup-image';
import type { DedupThresholds } from '../../src/domain/dedup-thresholds';
import { UnionFind } from '../../src/domain/union-find';
import { loadNearCopies, type NearCopyImage } from './near-copies-fixture';

export interface Metrics {
  precision: number;
  recall: number;
  tp: number;
  predicted: number;
  truth: number;
}

export interface Evaluation {
  /** Pairwise, over the components of exact+near pairs. */
  exactNear: Metrics;
  /** Pairwise, over the components of every tier. */
  all: Metrics;
  /** Original -> copy pairs found in a near-or-similar component, per transform. */
  byTransform: Record<string, { found: number; total: number }>;
  sweep: SweepResult;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 1) s += a[i] * b[i];
  return s;
}

/** The fixture as the sweep sees it: file names as image ids, exact kNN. */
export function nearCopyInputs(k = 10) {
  const { images } = loadNearCopies();
  const byId = new Map(images.map((im) => [im.file, im]));
  const dedupImages: DedupImage[] = images.map((im) => ({
    imageId: im.file,
    sha256: im.sha256,
    phash: im.phash,
    qualityScore: im.qualityScore,
    width: im.width,
    height: im.height,
    format: im.format,
    // Originals first, so `age` keeps them.
    createdAt: new Date(Date.UTC(2025, 0, im.transform === 'none' ? 1 : 2)).toISOString(),
  }));
  const neighbours = new Map(
    images.map((im) => [
      im.file,
      images
        .filter((o) => o.file !== im.file)
        .map((o) => ({ id: o.file, score: dot(im.vector, o.vector) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k),
    ]),
  );
  const cosines = async (pairs: ReadonlyArray<readonly [string, string]>): Promise<number[]> =>
    pairs.map(([a, b]) => dot((byId.get(a) as NearCopyImage).vector, (byId.get(b) as NearCopyImage).vector));
  return { images, dedupImages, neighbours, cosines };
}

function componentPairs(sweep: SweepResult, weakest: DedupKind): Set<string> {
  const uf = new UnionFind();
  for (const p of sweep.pairs)
    if (KIND_STRENGTH[p.verdict.kind] <= KIND_STRENGTH[weakest]) uf.union(p.a, p.b);
  const out = new Set<string>();
  for (const g of uf.groups()) {
    for (let i = 0; i < g.length; i += 1)
      for (let j = i + 1; j < g.length; j += 1) out.add(pairKey(g[i], g[j]));
  }
  return out;
}

function score(predicted: Set<string>, truth: Set<string>): Metrics {
  let tp = 0;
  for (const p of predicted) if (truth.has(p)) tp += 1;
  return {
    tp,
    predicted: predicted.size,
    truth: truth.size,
    precision: predicted.size === 0 ? 1 : tp / predicted.size,
    recall: truth.size === 0 ? 1 : tp / truth.size,
  };
}

/** Runs the sweep on dev-nearcopies with `thresholds` and scores it against truth.json. */
export async function evaluateNearCopies(
  thresholds: DedupThresholds,
  k = 10,
  verification?: SweepVerification,
): Promise<Evaluation> {
  const { images, dedupImages, neighbours, cosines } = nearCopyInputs(k);
  const sweep = await runSweep({
    images: dedupImages,
    neighbours,
    cosines,
    thresholds,
    keepRules: ['quality', 'resolution', 'format', 'age'],
    notDuplicate: new Set(),
    verification,
  });
  const truth = new Set<string>();
  const byBase = new Map<string, NearCopyImage[]>();
  for (const im of images) byBase.set(im.base, [...(byBase.get(im.base) ?? []), im]);
  for (const members of byBase.values()) {
    for (let i = 0; i < members.length; i += 1) {
      for (let j = i + 1; j < members.length; j += 1) truth.add(pairKey(members[i].file, members[j].file));
    }
  }
  const all = componentPairs(sweep, 'similar');
  const byTransform: Record<string, { found: number; total: number }> = {};
  for (const members of byBase.values()) {
    const original = members.find((m) => m.transform === 'none');
    if (!original) continue;
    for (const copy of members) {
      if (copy === original) continue;
      const entry = (byTransform[copy.transform] ??= { found: 0, total: 0 });
      entry.total += 1;
      if (all.has(pairKey(original.file, copy.file))) entry.found += 1;
    }
  }
  return {
    exactNear: score(componentPairs(sweep, 'near'), truth),
    all: score(all, truth),
    byTransform,
    sweep,
  };
}

export { DEDUP_KINDS };
