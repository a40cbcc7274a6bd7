import { LookalikeError } from '@lookalike/contracts';
import type { VectorInput } from '../vector-store.port';

/** Copies and L2-normalises; Cosine scores then equal dot products, as in Qdrant. */
export function normalizeVector(
  vector: VectorInput,
  dimension: number | undefined,
  name: string,
): Float32Array {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw LookalikeError.invalid(`vector ${name} must be a Float32Array or a number array`);
  }
  if (dimension !== undefined && vector.length !== dimension) {
    throw LookalikeError.invalid(
      `vector ${name} has ${vector.length} dimensions, the collection expects ${dimension}`,
      {
        vector: name,
        expected: dimension,
        actual: vector.length,
      },
    );
  }
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i]!;
    if (!Number.isFinite(v))
      throw LookalikeError.invalid(`vector ${name} holds a non-finite value`, { vector: name });
    sum += v * v;
  }
  if (sum === 0)
    throw LookalikeError.invalid(`vector ${name} is all zeros and has no direction`, { vector: name });
  const inv = 1 / Math.sqrt(sum);
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * inv;
  return out;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
