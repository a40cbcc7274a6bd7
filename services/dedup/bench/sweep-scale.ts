/**
 * How the sweep scales: n synthetic images (groups of 1-5 near copies sharing a pHash up to a
 * few flipped bits, distinct random hashes otherwise) with kNN lists as the vector index would
 * return them (k = 10: the group mates first, then unrelated images). Measures the sweep itself
 * (candidates, verdicts, union-find, keep); the index's batched kNN is timed separately.
 *
 *   node services/dedup/bench/run-ts.cjs services/dedup/bench/sweep-scale.ts 10000 100000
 */
import { runSweep, type Neighbour } from '../src/domain/dedup-sweep';
import type { DedupImage } from '../src/domain/dedup-image';
import { defaultThresholds } from '../src/domain/dedup-thresholds';
import { flipBits, random } from './synthetic';

async function bench(n: number): Promise<void> {
  const next = random(n);
  const images: DedupImage[] = [];
  const groupOf: number[] = [];
  let group = 0;
  while (images.length < n) {
    const size = 1 + Math.floor(next() * 5);
    const base = Array.from({ length: 16 }, () => Math.floor(next() * 16).toString(16)).join('');
    for (let j = 0; j < size && images.length < n; j += 1) {
      const i = images.length;
      images.push({
        imageId: `IMG${String(i).padStart(23, '0')}`,
        sha256: `${i}`.padEnd(64, 'a'),
        phash: j === 0 ? base : flipBits(base, Math.floor(next() * 5), next),
        qualityScore: next(),
        width: 640,
        height: 480,
        format: 'jpeg',
        createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      });
      groupOf.push(group);
    }
    group += 1;
  }
  const members = new Map<number, number[]>();
  groupOf.forEach((g, i) => members.set(g, [...(members.get(g) ?? []), i]));
  const k = 10;
  const neighbours = new Map<string, Neighbour[]>();
  for (let i = 0; i < n; i += 1) {
    const mates = (members.get(groupOf[i]) ?? [])
      .filter((j) => j !== i)
      .map((j) => ({ id: images[j].imageId, score: 0.93 + next() * 0.05 }));
    const others = Array.from({ length: k - mates.length }, () => ({
      id: images[Math.floor(next() * n)].imageId,
      score: 0.3 + next() * 0.4,
    }));
    neighbours.set(
      images[i].imageId,
      [...mates, ...others].sort((a, b) => b.score - a.score),
    );
  }
  const started = process.hrtime.bigint();
  const result = await runSweep({
    images,
    neighbours,
    cosines: async (pairs) => pairs.map(() => 0.5),
    thresholds: defaultThresholds('mobilenet'),
    keepRules: ['quality', 'resolution', 'format', 'age'],
    notDuplicate: new Set(),
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  console.log(
    `| ${n.toLocaleString('en')} | ${ms.toFixed(0)} ms | ${((ms / n) * 1000).toFixed(1)} µs | ${result.stats.candidatePairs.total.toLocaleString('en')} | ${(result.stats.candidatePairs.total / n).toFixed(1)} | ${result.stats.groups.near.toLocaleString('en')} near, ${result.stats.groups.similar.toLocaleString('en')} similar | ${heap.toFixed(0)} MiB |`,
  );
}

(async () => {
  console.log(
    '| images | sweep | per image | candidate pairs | pairs per image | groups | heap |\n| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const n of process.argv.slice(2).map(Number)) await bench(n);
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
