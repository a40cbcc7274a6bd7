import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '@lookalike/contracts';
import sharp from 'sharp';
import sharpPhash from 'sharp-phash';
import {
  hammingHex,
  perceptualHash,
  perceptualHashes,
  phashChunks,
  phashGrid,
  phashVariants,
  type PhashVariants,
} from './perceptual-hash';

const DATASETS = path.resolve(__dirname, '../../../../shared/datasets');
const IMAGES = path.join(DATASETS, 'dev-nearcopies/images');
const read = (name: string) => readFileSync(path.join(IMAGES, name));
const originalOf = (name: string) => `${name.split('__')[0].replace(/\.(jpg|png)$/, '')}.jpg`;

describe('perceptualHash', () => {
  it('is sharp-phash of the displayed image, as 16 hex digits', async () => {
    const bytes = read('astronaut.jpg');
    const bits = await sharpPhash(bytes);
    const expected = BigInt(`0b${bits}`).toString(16).padStart(16, '0');
    await expect(perceptualHash(bytes)).resolves.toBe(expected);
  });

  it('hashes the displayed orientation: an EXIF-rotated JPEG is within 2 bits of the same pixels stored upright', async () => {
    const bytes = readFileSync(path.join(DATASETS, 'bad-inputs/oriented-6.jpg'));
    const upright = await sharp(bytes).autoOrient().png().toBuffer();
    const stored = await sharp(bytes).png().toBuffer();
    const hash = await perceptualHash(bytes);
    // Not 0: the JPEG is decoded at 1/8 scale for a 32x32 grid, the PNG at full size.
    expect(hammingHex(hash, await perceptualHash(upright))).toBeLessThanOrEqual(2);
    expect(hammingHex(hash, await perceptualHash(stored))).toBeGreaterThan(16);
  });

  it('rejects bytes it cannot decode with a typed error', async () => {
    await expect(perceptualHash(Buffer.from('not an image'))).rejects.toMatchObject({
      code: ErrorCode.Unprocessable,
    });
  });
});

function toHex(bits: string): string {
  return BigInt(`0b${bits}`).toString(16).padStart(16, '0');
}

const GRID = 32;
function transformGrid(grid: Buffer, source: (x: number, y: number) => [number, number]): Buffer {
  const out = Buffer.alloc(grid.length);
  for (let y = 0; y < GRID; y += 1) {
    for (let x = 0; x < GRID; x += 1) {
      const [sx, sy] = source(x, y);
      out[y * GRID + x] = grid[sy * GRID + sx];
    }
  }
  return out;
}

const last = GRID - 1;
const turned: Record<keyof PhashVariants, (x: number, y: number) => [number, number]> = {
  mirror: (x, y) => [last - x, y],
  rot90: (x, y) => [y, last - x],
  rot180: (x, y) => [last - x, last - y],
  rot270: (x, y) => [last - y, x],
};

describe('the DCT against sharp-phash itself', () => {
  const originals = readdirSync(IMAGES).filter(
    (name) => !name.includes('__') && !/flat_gray|banner/.test(name),
  );
  const referenceHash = async (grid: Buffer) =>
    toHex(await sharpPhash(grid, { raw: { width: GRID, height: GRID, channels: 1 } }));

  it('reproduces sharp-phash bit for bit, for the hash and for each variant of the turned grid', async () => {
    expect(originals).toHaveLength(17);
    for (const name of originals) {
      const bytes = read(name);
      const grid = await phashGrid(bytes);
      const { phash, variants } = await perceptualHashes(bytes);
      expect(phash).toBe(await referenceHash(grid));
      for (const variant of Object.keys(turned) as Array<keyof PhashVariants>) {
        expect(variants[variant]).toBe(await referenceHash(transformGrid(grid, turned[variant])));
      }
    }
  }, 30_000);
});

describe('pHash on ../shared/datasets/dev-nearcopies', () => {
  const files = readdirSync(IMAGES).sort();
  const hashes = new Map<string, { phash: string; variants: PhashVariants }>();

  beforeAll(async () => {
    for (const name of files) hashes.set(name, await perceptualHashes(read(name)));
  }, 60_000);

  const distanceToOriginal = (
    name: string,
    pick: (h: { phash: string; variants: PhashVariants }) => string,
  ) => hammingHex(hashes.get(name)!.phash, pick(hashes.get(originalOf(name))!));

  // Measured: jpeg20 <= 8, resize50 <= 6, bright125 <= 4, blur <= 4 over the 17 originals.
  it.each([
    ['jpeg20', 8],
    ['resize50', 6],
    ['bright125', 4],
    ['blur', 4],
  ])('keeps %s copies within Hamming %d of their original', (transform, bound) => {
    const copies = files.filter((name) => name.includes(`__${transform}.`));
    expect(copies).toHaveLength(17);
    const distances = copies.map((name) => distanceToOriginal(name, (h) => h.phash));
    expect(Math.max(...distances)).toBeLessThanOrEqual(bound);
  });

  it('keeps different originals far apart (measured minimum 21)', () => {
    const originals = files.filter((name) => !name.includes('__'));
    let minimum = 64;
    for (const a of originals) {
      for (const b of originals) {
        if (a < b) minimum = Math.min(minimum, hammingHex(hashes.get(a)!.phash, hashes.get(b)!.phash));
      }
    }
    expect(minimum).toBeGreaterThanOrEqual(21);
  });

  it('finds mirrored and rotated copies through the variants of the original (measured at most 6)', () => {
    const mirrored = files.filter((name) => name.includes('__hflip.'));
    const rotated = files.filter((name) => name.includes('__rot90.'));
    const direct = [...mirrored, ...rotated].map((name) => distanceToOriginal(name, (h) => h.phash));
    const viaMirror = mirrored.map((name) => distanceToOriginal(name, (h) => h.variants.mirror));
    const viaRot90 = rotated.map((name) => distanceToOriginal(name, (h) => h.variants.rot90));
    expect(Math.min(...direct)).toBeGreaterThan(16);
    expect(Math.max(...viaMirror)).toBeLessThanOrEqual(6);
    expect(Math.max(...viaRot90)).toBeLessThanOrEqual(6);
  });

  it('phashVariants agrees with perceptualHashes', async () => {
    await expect(phashVariants(read('coins.jpg'))).resolves.toEqual(hashes.get('coins.jpg')!.variants);
  });

  it('gives variants that undo each other: the 180-degree variant of a 180-degree copy is the original', async () => {
    const original = read('chelsea.jpg');
    const turned = await sharp(original).rotate(180).png().toBuffer();
    const { variants } = await perceptualHashes(turned);
    expect(hammingHex(variants.rot180, hashes.get('chelsea.jpg')!.phash)).toBeLessThanOrEqual(2);
  });
});

describe('hammingHex', () => {
  it('counts differing bits', () => {
    expect(hammingHex('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingHex('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingHex('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingHex('0f0f0f0f0f0f0f0f', 'f0f0f0f0f0f0f0f0')).toBe(64);
  });

  it('rejects anything but 16 hex digits, in either case', () => {
    expect(hammingHex('FFFFFFFFFFFFFFFF', '0000000000000000')).toBe(64);
    expect(() => hammingHex('abc', '0000000000000000')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() => hammingHex('000000000000000g', '0000000000000000')).toThrow();
  });
});

describe('phashChunks', () => {
  it('splits a hash into four positional 16-bit tokens', () => {
    expect(phashChunks('0123456789abcdef')).toEqual(['0:0123', '1:4567', '2:89ab', '3:cdef']);
    expect(phashChunks('0123456789ABCDEF')).toEqual(phashChunks('0123456789abcdef'));
  });

  function flipBits(hex: string, bits: number[]): string {
    let value = BigInt(`0x${hex}`);
    for (const bit of bits) value ^= 1n << BigInt(bit);
    return value.toString(16).padStart(16, '0');
  }

  it('shares at least one chunk between any two hashes within Hamming 3 (pigeonhole)', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const failures: string[] = [];
    for (let trial = 0; trial < 2000; trial += 1) {
      const hex = Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('');
      const flips = new Set<number>();
      const count = 1 + Math.floor(random() * 3);
      while (flips.size < count) flips.add(Math.floor(random() * 64));
      const other = flipBits(hex, [...flips]);
      if (hammingHex(hex, other) !== count) failures.push(`${hex} ${other} distance`);
      const chunks = phashChunks(other);
      if (!phashChunks(hex).some((chunk) => chunks.includes(chunk)))
        failures.push(`${hex} ${other} no shared chunk`);
    }
    expect(failures).toEqual([]);
  });

  it('gives no such guarantee at distance 4: one bit in every chunk shares nothing', () => {
    const hex = '0123456789abcdef';
    const other = flipBits(hex, [0, 16, 32, 48]);
    expect(hammingHex(hex, other)).toBe(4);
    expect(phashChunks(hex).filter((chunk) => phashChunks(other).includes(chunk))).toEqual([]);
  });
});
