import sharp from 'sharp';
import './sharp-loaders';
import { ALLOWED_MIME_TYPES, detectImageFormat, type ImageFormat } from './image-format';
import { corruptImage, emptyImage, imageTooLarge, tooManyPixels, unsupportedImageType } from './image-errors';
import { runDecode } from './image-decoding';
import { type ImageLimits, sharpInputOptions } from './image-limits';
import { phashGrid } from './perceptual-hash';

export interface ImageInfo {
  format: ImageFormat;
  /** The Content-Type to store and serve the original with, decided from the bytes. */
  mime: string;
  /** Displayed width: EXIF orientations 5-8 swap the stored width and height. */
  width: number;
  /** Displayed height. */
  height: number;
  /** EXIF orientation tag, 1 when absent. */
  orientation: number;
  /** Frames or pages in the file; only the first is ever decoded. */
  pages: number;
  hasAlpha: boolean;
  /** Colour space libvips reports for the stored pixels (srgb, b-w, cmyk, rgb16...). */
  space: string;
  sizeBytes: number;
  /**
   * The proof decode's product: the 32 x 32 grey grid the pHash is computed from (`phashGrid`), so
   * ingest hashes without decoding again (`ingestArtefacts`' `phashGrid` option).
   */
  phashGrid: Buffer;
}

function isPixelLimitError(error: unknown): boolean {
  return error instanceof Error && /exceeds pixel limit/i.test(error.message);
}

async function readHeader(bytes: Buffer, limits: ImageLimits, format: ImageFormat): Promise<sharp.Metadata> {
  // Under the time limit too: counting the pages of a hostile TIFF walks every directory.
  return runDecode(
    async () => {
      try {
        return await sharp(bytes, sharpInputOptions(limits)).metadata();
      } catch (error) {
        if (!isPixelLimitError(error)) throw corruptImage(format, error);
        // Only the header is read again (metadata never decodes pixels), to report the real size.
        const header = await sharp(bytes, {
          ...sharpInputOptions(limits),
          limitInputPixels: false,
        }).metadata();
        throw tooManyPixels(header.width, header.height, limits.maxPixels);
      }
    },
    limits,
    format,
  );
}

/**
 * Validates untrusted bytes and describes the image, in this order, each check before any work that
 * costs more: empty -> size limit -> type from the bytes against the allow-list -> pixel count from
 * the header -> a proof decode (downscaled, under the time limit) that rejects corrupt or truncated
 * data. Every rejection is a LookalikeError with `details.reason`.
 */
export async function inspectImage(bytes: Buffer, limits: ImageLimits): Promise<ImageInfo> {
  if (bytes.length === 0) throw emptyImage();
  if (bytes.length > limits.maxBytes) throw imageTooLarge(bytes.length, limits.maxBytes);

  const detection = await detectImageFormat(bytes);
  if (detection.kind === 'unsupported') throw unsupportedImageType(detection.detected, ALLOWED_MIME_TYPES);
  if (detection.kind === 'truncated-signature') throw corruptImage(detection.format);
  const { entry } = detection;

  const header = await readHeader(bytes, limits, entry.format);
  if (header.format !== entry.sharpFormat || !header.width || !header.height) {
    throw corruptImage(entry.format, new Error(`the ${entry.format} header does not describe an image`));
  }
  // With `pages: 1` the header describes the first frame, which is all that is ever decoded.
  if (header.width * header.height > limits.maxPixels) {
    throw tooManyPixels(header.width, header.height, limits.maxPixels);
  }

  // The proof decode is the pHash's: every byte is read (libvips decodes the whole first frame, at
  // 1/8 scale where JPEG shrink-on-load allows, as the 64 px proof did), and ingest keeps the grid.
  const grid = await phashGrid(bytes, limits, entry.format);

  const orientation = header.orientation ?? 1;
  const swapped = orientation >= 5 && orientation <= 8;
  return {
    format: entry.format,
    mime: entry.mime,
    width: swapped ? header.height : header.width,
    height: swapped ? header.width : header.height,
    orientation,
    pages: header.pages ?? 1,
    hasAlpha: header.hasAlpha ?? false,
    space: header.space ?? 'unknown',
    sizeBytes: bytes.length,
    phashGrid: grid,
  };
}
