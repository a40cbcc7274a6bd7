import sharp from 'sharp';
import { ALLOWED_SHARP_LOADERS } from './sharp-loaders';

describe('restricted libvips loaders', () => {
  it('cannot load SVG through sharp at all once the library is loaded', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    await expect(sharp(svg).png().toBuffer()).rejects.toThrow(/unsupported image format/i);
  });

  it('still loads every allowed format', async () => {
    const source = sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } });
    const encoded = await Promise.all([
      source.clone().jpeg().toBuffer(),
      source.clone().png().toBuffer(),
      source.clone().webp().toBuffer(),
      source.clone().gif().toBuffer(),
      source.clone().tiff().toBuffer(),
      source.clone().avif().toBuffer(),
    ]);
    const formats = await Promise.all(encoded.map(async (bytes) => (await sharp(bytes).metadata()).format));
    expect(formats).toEqual(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif']);
    expect(ALLOWED_SHARP_LOADERS).toHaveLength(6);
  });
});
