import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, isLookalikeError, LookalikeError } from '@lookalike/contracts';
import sharp from 'sharp';
import { inspectImage } from './image-inspection';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-limits';
import { perceptualHash } from './perceptual-hash';

const BAD_INPUTS = path.resolve(__dirname, '../../../../shared/datasets/bad-inputs');
const limits: ImageLimits = { ...DEFAULT_IMAGE_LIMITS };

function read(name: string): Buffer {
  return readFileSync(path.join(BAD_INPUTS, name));
}

async function rejection(promise: Promise<unknown>): Promise<LookalikeError> {
  try {
    await promise;
  } catch (error) {
    if (isLookalikeError(error)) return error;
    throw new Error(`expected a LookalikeError, got ${String(error)}`);
  }
  throw new Error('expected a rejection, the image was accepted');
}

type Expected =
  | { reject: ErrorCode; reason: string }
  | { accept: { format: string; mime: string; width: number; height: number } & Record<string, unknown> }
  | { eitherDeterministic: true };

// The answers of ../shared/datasets/bad-inputs/README.md, one row per file.
const expectations: Record<string, Expected> = {
  'empty.jpg': { reject: ErrorCode.InvalidArgument, reason: 'empty' },
  'header-only.jpg': { reject: ErrorCode.Unprocessable, reason: 'corrupt' },
  'truncated.jpg': { reject: ErrorCode.Unprocessable, reason: 'corrupt' },
  'bitflips.jpg': { eitherDeterministic: true },
  'bad-crc.png': { reject: ErrorCode.Unprocessable, reason: 'corrupt' },
  'text-named.jpg': { reject: ErrorCode.UnsupportedMediaType, reason: 'unsupported_type' },
  'html-named.png': { reject: ErrorCode.UnsupportedMediaType, reason: 'unsupported_type' },
  'xxe.svg': { reject: ErrorCode.UnsupportedMediaType, reason: 'unsupported_type' },
  'bomb-20000x20000.png': { reject: ErrorCode.Unprocessable, reason: 'too_many_pixels' },
  'polyglot.jpg': { accept: { format: 'jpeg', mime: 'image/jpeg', width: 600, height: 400 } },
  'wrong-ext.png': { accept: { format: 'jpeg', mime: 'image/jpeg', width: 600, height: 400 } },
  'animated.gif': { accept: { format: 'gif', mime: 'image/gif', width: 64, height: 64, pages: 3 } },
  'cmyk.jpg': { accept: { format: 'jpeg', mime: 'image/jpeg', width: 64, height: 64, space: 'cmyk' } },
  'image.tiff': { accept: { format: 'tiff', mime: 'image/tiff', width: 300, height: 200 } },
  'image.webp': { accept: { format: 'webp', mime: 'image/webp', width: 300, height: 200 } },
  'oriented-6.jpg': {
    accept: { format: 'jpeg', mime: 'image/jpeg', width: 200, height: 300, orientation: 6 },
  },
};

describe('inspectImage on ../shared/datasets/bad-inputs', () => {
  it('has an expectation for every file in the folder', () => {
    const files = readdirSync(BAD_INPUTS).filter((name) => name !== 'README.md');
    expect(Object.keys(expectations).sort()).toEqual(files.sort());
  });

  it.each(Object.entries(expectations))('%s gets the answer of the README', async (name, expected) => {
    const bytes = read(name);
    if ('reject' in expected) {
      const error = await rejection(inspectImage(bytes, limits));
      expect(error.code).toBe(expected.reject);
      expect(error.details.reason).toBe(expected.reason);
    } else if ('accept' in expected) {
      const info = await inspectImage(bytes, limits);
      expect(info).toMatchObject({ ...expected.accept, sizeBytes: bytes.length });
    } else {
      // Accepted or refused, but the same answer every time, and a typed one when refused.
      const settle = () =>
        inspectImage(bytes, limits).then(
          async (info) => ({ info, phash: await perceptualHash(bytes, limits) }),
          (error: unknown) => ({
            code: (error as LookalikeError).code,
            reason: (error as LookalikeError).details?.reason,
          }),
        );
      const first = await settle();
      expect(await settle()).toEqual(first);
      if ('code' in first) expect(first.code).toBe(ErrorCode.Unprocessable);
    }
  });

  it('reports the real size of the pixel bomb and stays within bounded memory', async () => {
    const before = process.memoryUsage().rss;
    const error = await rejection(inspectImage(read('bomb-20000x20000.png'), limits));
    const grownBy = process.memoryUsage().rss - before;
    expect(error.details).toMatchObject({
      limit: 40_000_000,
      actual: 400_000_000,
      width: 20000,
      height: 20000,
    });
    // Decoding the bomb would take 1.2 GB; reading its header takes next to nothing.
    expect(grownBy).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses the SVG from its bytes, saying what it found', async () => {
    const error = await rejection(inspectImage(read('xxe.svg'), limits));
    expect(error.details.detected).toBe('application/xml');
    expect(error.details.allowed).toEqual(expect.arrayContaining(['image/jpeg', 'image/png']));
  });
});

describe('inspectImage limits and allow-list', () => {
  it('rejects a file above maxBytes with payload_too_large before looking at it', async () => {
    const bytes = read('wrong-ext.png');
    const error = await rejection(inspectImage(bytes, { ...limits, maxBytes: 1000 }));
    expect(error.code).toBe(ErrorCode.PayloadTooLarge);
    expect(error.details).toEqual({ reason: 'too_large', limit: 1000, actual: bytes.length });
  });

  it('rejects a PNG that decodes to more than the configured pixel limit', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const error = await rejection(inspectImage(png, { ...limits, maxPixels: 59_999 }));
    expect(error.code).toBe(ErrorCode.Unprocessable);
    expect(error.details).toMatchObject({ reason: 'too_many_pixels', limit: 59_999, actual: 60_000 });
  });

  it('accepts an AVIF that this sharp build decodes', async () => {
    const avif = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
      .avif()
      .toBuffer();
    await expect(inspectImage(avif, limits)).resolves.toMatchObject({
      format: 'avif',
      mime: 'image/avif',
      width: 40,
    });
  });

  it.each([
    [
      'an SVG without an XML declaration',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
    ],
    [
      'a PDF',
      Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
    ],
    ['a ZIP archive', Buffer.from('504b0304140000000000000000000000000000000000000000000000000000', 'hex')],
    ['a BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])],
  ])('refuses %s as unsupported_media_type', async (_, bytes) => {
    const error = await rejection(inspectImage(bytes, limits));
    expect(error.code).toBe(ErrorCode.UnsupportedMediaType);
    expect(error.details.reason).toBe('unsupported_type');
  });

  it('treats a PNG cut off inside its signature as corrupt, not foreign', async () => {
    const error = await rejection(inspectImage(Buffer.from([0x89, 0x50, 0x4e]), limits));
    expect(error.code).toBe(ErrorCode.Unprocessable);
    expect(error.details).toEqual({ reason: 'corrupt', format: 'png' });
  });

  it('answers decode_timeout when the proof decode outlives the time limit', async () => {
    // 16 MP of one colour: a small file whose decode still takes tens of milliseconds.
    const slow = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const error = await rejection(inspectImage(slow, { ...limits, decodeTimeoutMs: 1 }));
    expect(error.code).toBe(ErrorCode.Unprocessable);
    expect(error.details).toEqual({ reason: 'decode_timeout', limit: 1 });
  });
});
