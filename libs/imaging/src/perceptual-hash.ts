import sharpPhash from 'sharp-phash';
import { LookalikeError } from '@lookalike/contracts';
import { runDecode, orientedPipeline, FLATTEN_BACKGROUND } from './image-decoding';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-limits';

/** sharp-phash's DCT input: a 32x32 greyscale grid. */
const GRID = 32;
const HASH_HEX_LENGTH = 16;
const HEX = /^[0-9a-f]{16}$/;

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

function bitsToHex(bits: string): string {
  let hex = '';
  for (let i = 0; i < bits.length; i += 4) hex += Number.parseInt(bits.slice(i, i + 4), 2).toString(16);
  return hex;
}

/**
 * The 32x32 greyscale grid sharp-phash hashes, taken from the displayed image (EXIF orientation
 * applied, alpha flattened on white, first frame). Resizing first and flipping the grid afterwards
 * equals flipping the full image first, so one decode serves the variants too.
 */
async function phashGrid(bytes: Buffer, limits: ImageLimits): Promise<Buffer> {
  return runDecode(
    () =>
      orientedPipeline(bytes, limits)
        .flatten({ background: FLATTEN_BACKGROUND })
        .greyscale()
        .resize(GRID, GRID, { fit: 'fill' })
        .raw({ depth: 'uchar' })
        .toBuffer(),
    limits,
  );
}

async function hashGrid(grid: Buffer): Promise<string> {
  // The grid is already 32x32 greyscale with no EXIF, so sharp-phash's own resize and rotate are no-ops.
  const bits = await sharpPhash(grid, { raw: { width: GRID, height: GRID, channels: 1 } });
  return bitsToHex(bits);
}

function transformGrid(grid: Buffer, map: (x: number, y: number) => [number, number]): Buffer {
  const out = Buffer.alloc(grid.length);
  for (let y = 0; y < GRID; y += 1) {
    for (let x = 0; x < GRID; x += 1) {
      const [sx, sy] = map(x, y);
      out[y * GRID + x] = grid[sy * GRID + sx];
    }
  }
  return out;
}

const last = GRID - 1;
/** For each output pixel (x, y), the source pixel of the untransformed grid. */
const gridTransforms: Readonly<Record<keyof PhashVariants, (x: number, y: number) => [number, number]>> = {
  mirror: (x, y) => [last - x, y],
  rot90: (x, y) => [y, last - x],
  rot180: (x, y) => [last - x, last - y],
  rot270: (x, y) => [last - y, x],
};

/** 64-bit pHash (sharp-phash's DCT hash) of the displayed image as 16 lowercase hex digits. */
export async function perceptualHash(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<string> {
  return hashGrid(await phashGrid(bytes, limits));
}

/** The hash and its variants from one decode, for ingest. */
export async function perceptualHashes(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<{ phash: string; variants: PhashVariants }> {
  const grid = await phashGrid(bytes, limits);
  const [phash, mirror, rot90, rot180, rot270] = await Promise.all([
    hashGrid(grid),
    hashGrid(transformGrid(grid, gridTransforms.mirror)),
    hashGrid(transformGrid(grid, gridTransforms.rot90)),
    hashGrid(transformGrid(grid, gridTransforms.rot180)),
    hashGrid(transformGrid(grid, gridTransforms.rot270)),
  ]);
  return { phash, variants: { mirror, rot90, rot180, rot270 } };
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
    throw LookalikeError.invalid(`${name} must be ${HASH_HEX_LENGTH} lowercase hex digits`, { field: name });
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
  const size = HASH_HEX_LENGTH / PHASH_CHUNKS;
  return Array.from({ length: PHASH_CHUNKS }, (_, i) => `${i}:${hex.slice(i * size, (i + 1) * size)}`);
}
