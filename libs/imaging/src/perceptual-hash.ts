import { LookalikeError } from '@lookalike/contracts';
import { FLATTEN_BACKGROUND, orientedPipeline, runDecode } from './image-decoding';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-limits';

/** The DCT input: a 32x32 greyscale grid. */
const GRID = 32;
/** The hash keeps the 8x8 lowest frequencies after the DC term. */
const LOW = 8;
const HASH_HEX_LENGTH = 16;
const HEX = /^[0-9a-f]{16}$/i;

/** Hashes of the image as it would look mirrored or turned, to catch copies that were flipped or rotated. */
export interface PhashVariants {
  /** Mirrored left-right. */
  mirror: string;
  /** Turned 90 degrees clockwise. */
  rot90: string;
  rot180: string;
  /** Turned 270 degrees clockwise (90 counter-clockwise). */
  rot270: string;
}

/**
 * The 32x32 greyscale grid the hash is computed from, taken from the displayed image (EXIF
 * orientation applied, alpha flattened on white, first frame), resized exactly as sharp-phash does.
 */
export async function phashGrid(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
  format?: string,
): Promise<Buffer> {
  return runDecode(
    () =>
      orientedPipeline(bytes, limits)
        .flatten({ background: FLATTEN_BACKGROUND })
        .greyscale()
        .resize(GRID, GRID, { fit: 'fill' })
        .raw({ depth: 'uchar' })
        .toBuffer(),
    limits,
    format,
  );
}

/** A grid as `phashGrid` makes it: 32 x 32 grey levels. */
export function isPhashGrid(grid: Buffer | undefined): grid is Buffer {
  return grid !== undefined && grid.length === GRID * GRID;
}

// sharp-phash's cosine table, built with the same expression so the coefficients match it bit for bit.
const COS: number[][] = Array.from({ length: GRID }, (_, k) =>
  Array.from({ length: GRID }, (_, n) => Math.cos(((2 * k + 1) / (2.0 * GRID)) * n * Math.PI)),
);

/**
 * The DCT-II coefficients F[u][v] for u, v in 1..8 of the grid (u along x, v along y), summed in the
 * same order as sharp-phash so its hash is reproduced exactly. sharp-phash computes all 32x32
 * coefficients to use 64 of them (about 15 ms per hash); this computes only those 64.
 */
function lowFrequencies(grid: Buffer): Float64Array {
  const coefficients = new Float64Array(LOW * LOW);
  for (let u = 1; u <= LOW; u += 1) {
    for (let v = 1; v <= LOW; v += 1) {
      let sum = 0;
      for (let i = 0; i < GRID; i += 1) {
        for (let j = 0; j < GRID; j += 1) {
          sum += COS[i][u] * COS[j][v] * grid[GRID * j + i];
        }
      }
      // sharp-phash's normalisation is sqrt-scaled only for u or v = 0, which the hash never uses.
      coefficients[(u - 1) * LOW + (v - 1)] = sum * (1 / 4);
    }
  }
  return coefficients;
}

/** sharp-phash's bit rule: a coefficient above the mean of the 64 is a 1, read row by row. */
function hashOf(coefficient: (x: number, y: number) => number): string {
  let total = 0;
  for (let x = 0; x < LOW; x += 1) for (let y = 0; y < LOW; y += 1) total += coefficient(x, y);
  const mean = total / (LOW * LOW);
  let hex = '';
  for (let x = 0; x < LOW; x += 1) {
    let nibble = 0;
    for (let y = 0; y < LOW; y += 1) {
      nibble = (nibble << 1) | (coefficient(x, y) > mean ? 1 : 0);
      if (y % 4 === 3) {
        hex += nibble.toString(16);
        nibble = 0;
      }
    }
  }
  return hex;
}

/**
 * The hash of the grid and of its mirror and rotations, from one set of coefficients. Mirroring
 * along x multiplies F[u][v] by (-1)^u, along y by (-1)^v, and swapping the axes transposes F, so
 * (with u, v counted from 1 and x, y from 0 below):
 *   mirror  F'[u][v] = (-1)^u F[u][v]
 *   rot90   F'[u][v] = (-1)^u F[v][u]
 *   rot180  F'[u][v] = (-1)^(u+v) F[u][v]
 *   rot270  F'[u][v] = (-1)^v F[v][u]
 */
export function hashesOfGrid(grid: Buffer): { phash: string; variants: PhashVariants } {
  const F = lowFrequencies(grid);
  const at = (x: number, y: number) => F[x * LOW + y];
  const sign = (n: number) => (n % 2 === 0 ? 1 : -1);
  return {
    phash: hashOf(at),
    variants: {
      mirror: hashOf((x, y) => sign(x + 1) * at(x, y)),
      rot90: hashOf((x, y) => sign(x + 1) * at(y, x)),
      rot180: hashOf((x, y) => sign(x + y + 2) * at(x, y)),
      rot270: hashOf((x, y) => sign(y + 1) * at(y, x)),
    },
  };
}

/** 64-bit pHash (sharp-phash's DCT hash, bit for bit) of the displayed image as 16 lowercase hex digits. */
export async function perceptualHash(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<string> {
  return hashesOfGrid(await phashGrid(bytes, limits)).phash;
}

/** The hash and its mirrored and rotated variants from one decode, for ingest. */
export async function perceptualHashes(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<{ phash: string; variants: PhashVariants }> {
  return hashesOfGrid(await phashGrid(bytes, limits));
}

/** pHashes of the mirrored and the 90/180/270-degree turned image. */
export async function phashVariants(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<PhashVariants> {
  return (await perceptualHashes(bytes, limits)).variants;
}

function assertHash(value: string, name: string): void {
  if (!HEX.test(value)) {
    throw LookalikeError.invalid(`${name} must be ${HASH_HEX_LENGTH} hex digits`, { field: name });
  }
}

const popcount4 = [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4];

/** Number of differing bits between two 64-bit hashes given as 16 hex digits. */
export function hammingHex(a: string, b: string): number {
  assertHash(a, 'a');
  assertHash(b, 'b');
  let distance = 0;
  for (let i = 0; i < HASH_HEX_LENGTH; i += 1) {
    distance += popcount4[Number.parseInt(a[i], 16) ^ Number.parseInt(b[i], 16)];
  }
  return distance;
}

/** Number of chunks a hash is split into for candidate search. */
export const PHASH_CHUNKS = 4;

/**
 * Splits a hash into 4 keyword tokens of 16 bits each, prefixed with their position
 * ('0:abcd', '1:...', '2:...', '3:...'). Two hashes within Hamming distance 3 differ in at most
 * 3 chunks, so by the pigeonhole principle at least one of the 4 chunks is identical: an exact match
 * on any chunk finds every candidate within distance 3 (and many further away), which is then
 * confirmed with `hammingHex`.
 */
export function phashChunks(hex: string): string[] {
  assertHash(hex, 'hash');
  const lower = hex.toLowerCase();
  const size = HASH_HEX_LENGTH / PHASH_CHUNKS;
  return Array.from({ length: PHASH_CHUNKS }, (_, i) => `${i}:${lower.slice(i * size, (i + 1) * size)}`);
}
