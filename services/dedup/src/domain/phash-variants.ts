import { derivedVariants, hammingHex, HASH_VARIANTS, type HashVariant } from '@lookalike/imaging';

export { derivedVariants, HASH_VARIANTS, type HashVariant };

/** A 64-bit hash as two 32-bit words, for popcount arithmetic. */
export type HashWords = readonly [number, number];

export function hashWords(hex: string): HashWords {
  return [Number.parseInt(hex.slice(0, 8), 16) >>> 0, Number.parseInt(hex.slice(8, 16), 16) >>> 0];
}

function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function hammingWords(a: HashWords, b: HashWords): number {
  return popcount32((a[0] ^ b[0]) >>> 0) + popcount32((a[1] ^ b[1]) >>> 0);
}

/** A hash with its variants, decoded once per image so pair comparisons are a few XORs. */
export interface PreparedHash {
  plain: HashWords;
  /** In HASH_VARIANTS order. */
  variants: HashWords[];
}

export function prepareHash(hex: string): PreparedHash {
  const v = derivedVariants(hex);
  return { plain: hashWords(hex), variants: HASH_VARIANTS.map((name) => hashWords(v[name])) };
}

/** closestHash on prepared hashes. */
export function closestPrepared(a: PreparedHash, b: PreparedHash, variants: boolean): HashMatch {
  let best: HashMatch = { hamming: hammingWords(a.plain, b.plain), variant: 'identity' };
  if (!variants || best.hamming === 0) return best;
  for (let i = 0; i < HASH_VARIANTS.length; i += 1) {
    const hamming = hammingWords(a.plain, b.variants[i]);
    if (hamming < best.hamming) best = { hamming, variant: HASH_VARIANTS[i] };
  }
  return best;
}

export interface HashMatch {
  hamming: number;
  /** `identity` when the plain hashes are closest. */
  variant: HashVariant | 'identity';
}

/** The smallest Hamming distance between `a` and `b` or any of b's variants. */
export function closestHash(a: string, b: string, variants: boolean): HashMatch {
  let best: HashMatch = { hamming: hammingHex(a, b), variant: 'identity' };
  if (!variants || best.hamming === 0) return best;
  const derived = derivedVariants(b);
  for (const variant of HASH_VARIANTS) {
    const hamming = hammingHex(a, derived[variant]);
    if (hamming < best.hamming) best = { hamming, variant };
  }
  return best;
}
