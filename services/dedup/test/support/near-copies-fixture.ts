import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** ../shared/datasets/dev-nearcopies, relative to the repository root. */
export const NEAR_COPIES_DIR = join(__dirname, '../../../../../shared/datasets/dev-nearcopies');
const FIXTURES = join(__dirname, '../fixtures');

export interface NearCopyFixtureFile {
  file: string;
  sha256: string;
  phash: string;
  variants: { mirror: string; rot90: string; rot180: string; rot270: string };
  width: number;
  height: number;
  format: string;
  sizeBytes: number;
  qualityScore: number;
  qualityFlags: string[];
}

export interface NearCopyImage extends NearCopyFixtureFile {
  vector: Float32Array;
  /** The file's base name: copies share it with their original. */
  base: string;
  /** `none` for an original. */
  transform: string;
}

export interface NearCopyTruth {
  groups: string[][];
  singletons: string[];
  transforms: Record<string, string>;
}

export function baseOf(file: string): string {
  return file.replace(/\.[a-z]+$/i, '').split('__')[0];
}

export function transformOf(file: string): string {
  return file.replace(/\.[a-z]+$/i, '').split('__')[1] ?? 'none';
}

/** The committed fixture: vectors from `near-copies.mobilenet.f32`, the rest from `near-copies.json`. */
export function loadNearCopies(): { model: { name: string; dim: number }; images: NearCopyImage[] } {
  const meta = JSON.parse(readFileSync(join(FIXTURES, 'near-copies.json'), 'utf8')) as {
    model: { name: string; dim: number };
    files: NearCopyFixtureFile[];
  };
  const raw = readFileSync(join(FIXTURES, 'near-copies.mobilenet.f32'));
  const all = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const dim = meta.model.dim;
  if (all.length !== meta.files.length * dim) throw new Error('near-copies fixture: vector count mismatch');
  return {
    model: meta.model,
    images: meta.files.map((f, i) => ({
      ...f,
      vector: all.slice(i * dim, (i + 1) * dim),
      base: baseOf(f.file),
      transform: transformOf(f.file),
    })),
  };
}

export function readTruth(): NearCopyTruth {
  return JSON.parse(readFileSync(join(NEAR_COPIES_DIR, 'truth.json'), 'utf8')) as NearCopyTruth;
}
