/** Seeded randomness and hashes for the synthetic sweep benches (sweep-scale, sweep-verify-scale). */

/** A linear congruential generator: the same seed, the same collection. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A 64-bit hex hash with `bits` random bits flipped (a near copy's pHash). */
export function flipBits(hex: string, bits: number, next: () => number): string {
  let out = BigInt(`0x${hex}`);
  for (let i = 0; i < bits; i += 1) out ^= 1n << BigInt(Math.floor(next() * 64));
  return out.toString(16).padStart(16, '0');
}
