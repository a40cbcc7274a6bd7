/** The transformations whose pHash can be derived from the stored hash alone. */
export const HASH_VARIANTS = ['mirror', 'rot90', 'rot180', 'rot270'] as const;
export type HashVariant = (typeof HASH_VARIANTS)[number];

/**
 * sharp-phash sets bit (x, y) (x, y in 0..7, bit index 8x + y) when the DCT coefficient
 * F[x + 1][y + 1] of the 32x32 grid is above the mean of those 64 coefficients. Mirroring the
 * grid multiplies F[u][v] by (-1)^u, a quarter turn transposes F and multiplies by (-1)^u or
 * (-1)^v. The mean of the 64 AC coefficients is close to zero, so "above the mean" mostly flips
 * with the sign: the variant hashes follow from the stored hash without the pixels, off by the
 * few coefficients that sit between zero and the mean (measured in docs/quality-loop.md).
 */
function derive(bits: readonly number[], variant: HashVariant): number[] {
  const out = new Array<number>(64);
  for (let x = 0; x < 8; x += 1) {
    for (let y = 0; y < 8; y += 1) {
      const u = x + 1;
      const v = y + 1;
      let source: number;
      let flip: boolean;
      switch (variant) {
        case 'mirror':
          source = x * 8 + y;
          flip = u % 2 === 1;
          break;
        case 'rot180':
          source = x * 8 + y;
          flip = (u + v) % 2 === 1;
          break;
        case 'rot90':
          source = y * 8 + x;
          flip = u % 2 === 1;
          break;
        case 'rot270':
          source = y * 8 + x;
          flip = v % 2 === 1;
          break;
      }
      out[x * 8 + y] = flip ? 1 - bits[source] : bits[source];
    }
  }
  return out;
}

function hexToBits(hex: string): number[] {
  const bits: number[] = [];
  for (const digit of hex) {
    const n = Number.parseInt(digit, 16);
    bits.push((n >> 3) & 1, (n >> 2) & 1, (n >> 1) & 1, n & 1);
  }
  return bits;
}

function bitsToHex(bits: readonly number[]): string {
  let hex = '';
  for (let i = 0; i < bits.length; i += 4) {
    hex += ((bits[i] << 3) | (bits[i + 1] << 2) | (bits[i + 2] << 1) | bits[i + 3]).toString(16);
  }
  return hex;
}

/** The hashes the image would have mirrored or turned, derived from its pHash (16 hex digits). */
export function derivedVariants(phash: string): Record<HashVariant, string> {
  const bits = hexToBits(phash);
  return {
    mirror: bitsToHex(derive(bits, 'mirror')),
    rot90: bitsToHex(derive(bits, 'rot90')),
    rot180: bitsToHex(derive(bits, 'rot180')),
    rot270: bitsToHex(derive(bits, 'rot270')),
  };
}
