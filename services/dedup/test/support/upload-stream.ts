import { loadNearCopies } from './near-copies-fixture';
import { imageIdFor, type SeedImage } from './quality-stores';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

function flipBits(hex: string, bits: number, next: () => number): string {
  let out = BigInt(`0x${hex}`);
  for (let i = 0; i < bits; i += 1) out ^= 1n << BigInt(Math.floor(next() * 64));
  return out.toString(16).padStart(16, '0');
}

/** An upload of the stream; `base` names its source photo (copies of one photo share it). */
export interface StreamImage extends SeedImage {
  base: string;
}

/**
 * A stream of `count` uploads: the 181 dev-nearcopies images (real MobileNet vectors, hashes and
 * quality), then synthetic ones made from them: the vector with noise (cosine ~0.6-0.95 to its
 * source), the pHash with 0-20 flipped bits, fresh sha256. Order is shuffled (seeded), so copies
 * arrive among strangers the way a tenant's photos do.
 */
export function uploadStream(count: number, seed = 7): StreamImage[] {
  const { images } = loadNearCopies();
  const next = random(seed);
  const out: StreamImage[] = [];
  for (let i = 0; i < count; i += 1) {
    const source = images[i % images.length];
    const copy = i >= images.length;
    let vector = source.vector;
    if (copy) {
      const norm = Math.sqrt(source.vector.reduce((a, v) => a + v * v, 0));
      const sigma = norm * (0.008 + next() * 0.03);
      vector = Float32Array.from(source.vector, (v) => v + sigma * gaussian(next));
    }
    out.push({
      imageId: imageIdFor(i, '01K'),
      sha256: copy ? `${i.toString(16)}`.padStart(64, 'c') : source.sha256,
      phash: copy ? flipBits(source.phash, Math.floor(next() * 20), next) : source.phash,
      width: source.width,
      height: source.height,
      format: source.format,
      qualityScore: copy
        ? Math.min(1, Math.max(0, source.qualityScore + (next() - 0.5) * 0.2))
        : source.qualityScore,
      qualityFlags: source.qualityFlags,
      createdAt: new Date(Date.UTC(2025, 1, 1, 0, 0, i)).toISOString(),
      vector,
      base: source.base,
    });
  }
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
