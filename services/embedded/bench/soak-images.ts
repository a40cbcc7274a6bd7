import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** A small seeded generator (mulberry32): the same seed gives the same variant on every machine. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function variantName(seed: number, index: number): string {
  return `soak-${seed}-${String(index).padStart(6, '0')}.jpg`;
}

/**
 * Variant `index` of the source set: a seeded crop (72 to 100% of each side), a resize to a long
 * side of 960 to 1088 px, a small brightness/saturation change and a seeded JPEG quality, so that
 * no two variants share their bytes while each stays a plausible photo upload.
 */
async function makeVariant(sources: string[], seed: number, index: number, attempt: number): Promise<Buffer> {
  const rnd = random(seed * 1_000_003 + index * 7919 + attempt * 104_729);
  // 97 is coprime with the set size, so consecutive uploads come from unrelated files.
  const file = sources[(index * 97) % sources.length]!;
  const image = sharp(readFileSync(file), { failOn: 'none' }).rotate();
  const { width, height } = (await image.metadata()).autoOrient;
  const cropW = Math.max(16, Math.round(width * (0.72 + 0.28 * rnd())));
  const cropH = Math.max(16, Math.round(height * (0.72 + 0.28 * rnd())));
  const left = Math.floor((width - cropW) * rnd());
  const top = Math.floor((height - cropH) * rnd());
  const longSide = 960 + Math.floor(129 * rnd());
  const scale = longSide / Math.max(cropW, cropH);
  return image
    .extract({ left, top, width: cropW, height: cropH })
    .resize(Math.max(16, Math.round(cropW * scale)), Math.max(16, Math.round(cropH * scale)))
    .modulate({ brightness: 0.92 + 0.16 * rnd(), saturation: 0.9 + 0.2 * rnd() })
    .jpeg({ quality: 78 + Math.floor(15 * rnd()) })
    .toBuffer();
}

/**
 * Writes variants 0..count-1 of the images in `sourceDir` into `outDir` (skipping those already
 * there from an earlier run with the same seed) and returns their paths in upload order. Every
 * variant has bytes of its own: a sha256 seen before is regenerated with another attempt number.
 */
export async function writeVariants(
  sourceDir: string,
  outDir: string,
  count: number,
  seed: number,
  concurrency = 2,
): Promise<string[]> {
  const sources = readdirSync(sourceDir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => join(sourceDir, f));
  if (sources.length === 0) throw new Error(`no images in ${sourceDir}`);
  const paths = Array.from({ length: count }, (_, i) => join(outDir, variantName(seed, i)));
  const seen = new Set<string>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        const path = paths[index]!;
        if (existsSync(path)) {
          const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
          if (!seen.has(digest)) {
            seen.add(digest);
            continue;
          }
        }
        for (let attempt = 0; attempt < 10; attempt += 1) {
          const bytes = await makeVariant(sources, seed, index, attempt);
          const digest = createHash('sha256').update(bytes).digest('hex');
          if (seen.has(digest)) continue;
          seen.add(digest);
          writeFileSync(`${path}.tmp`, bytes);
          renameSync(`${path}.tmp`, path);
          break;
        }
        if (!existsSync(path)) throw new Error(`could not make a distinct variant ${index}`);
      }
    }),
  );
  return paths;
}
