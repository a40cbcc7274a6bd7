import { LookalikeError } from '@lookalike/contracts';
import { orientedPipeline, runDecode } from './image-decoding';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-limits';

export const THUMBNAIL_SIZES = [256, 1024] as const;
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number];

export const THUMBNAIL_MIME = 'image/webp';

/**
 * A WebP thumbnail that fits inside size x size, in displayed orientation, never enlarged, first
 * frame only, converted to sRGB. Transparency is kept (WebP has alpha). No metadata is copied, so
 * EXIF (GPS position included) never reaches a thumbnail.
 */
export async function makeThumbnail(
  bytes: Buffer,
  size: ThumbnailSize,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<Buffer> {
  if (!THUMBNAIL_SIZES.includes(size)) {
    throw LookalikeError.invalid(`Thumbnail size must be one of ${THUMBNAIL_SIZES.join(', ')}`, { size });
  }
  return runDecode(
    () =>
      orientedPipeline(bytes, limits)
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .webp({ quality: size <= 256 ? 75 : 82, effort: 4 })
        .toBuffer(),
    limits,
  );
}
