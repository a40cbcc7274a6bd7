/** Seeded synthetic unit vectors and payloads shared by the vector-store benchmarks. */
import { createHash } from 'node:crypto';
import type { PointPayload } from '../src';

/** The sha256 a benchmark's point `i` stands for (its id derives from it): unique per `label`. */
export function benchSha(label: string, i: number): string {
  return createHash('sha256').update(`${label}:${i}`).digest('hex');
}

/**
 * A valid payload for a benchmark's point `i`: image id, key and sha256 from `i` and `label`, a
 * 1024 x 768 JPEG upload one second after the previous one; `over` sets what a benchmark needs
 * otherwise.
 */
export function benchPayload(
  owner: string,
  label: string,
  i: number,
  over: Partial<PointPayload> = {},
): PointPayload {
  return {
    imageId: `img-${i}`,
    ownerUserId: owner,
    bucket: 'bench',
    key: `bench/${i}`,
    sha256: benchSha(label, i),
    phash: (i * 2654435761).toString(16).padStart(16, '0').slice(-16),
    width: 1024,
    height: 768,
    format: 'jpeg',
    source: 'upload',
    tags: [],
    createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    modelName: 'mobilenet',
    modelVersion: '1',
    qualityScore: 0.5,
    qualityFlags: [],
    nsfwScore: 0.1,
    anomalyScore: 0,
    sizeBytes: 100_000,
    ...over,
  };
}

/** mulberry32: small, seeded, good enough for benchmark data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
}

export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/**
 * `random`: uniform unit vectors, the worst case for any ANN index (no structure, all distances
 * alike). `clustered`: 2000 centres with noise, closer to real embeddings, whose neighbours
 * concentrate in a few regions of the space.
 */
export function makeVectors(kind: string, count: number, seed: number, dim: number): Float32Array[] {
  const rnd = prng(seed);
  const unit = () => normalize(Float32Array.from({ length: dim }, () => gaussian(rnd)));
  if (kind === 'random') return Array.from({ length: count }, unit);
  const centres = Array.from({ length: 2000 }, (_, i) => {
    const r = prng(i + 1);
    return normalize(Float32Array.from({ length: dim }, () => gaussian(r)));
  });
  return Array.from({ length: count }, () => {
    const c = centres[Math.floor(rnd() * centres.length)]!;
    return normalize(Float32Array.from(c, (x) => x + gaussian(rnd) * 0.03));
  });
}
