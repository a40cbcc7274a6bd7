import sharp from 'sharp';
import {
  ANALYSIS_MAX_SIDE,
  fitInside,
  FLATTEN_BACKGROUND,
  orientedPipeline,
  runDecode,
} from './image-decoding';
import { inlineAnalysis, type PixelAnalysis } from './analysis-pool';
import { corruptImage } from './image-errors';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits } from './image-limits';
import { hashesOfGrid, isPhashGrid, perceptualHashes, type PhashVariants } from './perceptual-hash';
import { displayedSize, type LumaImage, type QualityMetrics } from './quality-metrics';
import { thumbnailWebp } from './thumbnails';

/** What ingest stores about an image besides its vectors. */
export interface IngestArtefacts {
  phash: string;
  phashVariants: PhashVariants;
  quality: QualityMetrics;
  /** WebP (THUMBNAIL_MIME) thumbnails, fitted inside 256 and 1024 px, never enlarged, no metadata. */
  thumb256: Buffer;
  /** Absent when asked not to make it (`preview: false`: the original serves as the preview). */
  thumb1024?: Buffer;
  /**
   * The luma of the decoded pixels, made by the quality pass (`analysisLuma` gives it for any
   * bytes), for the stages after: local features find their keypoints in it.
   */
  luma: LumaImage;
}

/**
 * The image in displayed orientation and sRGB, fitted inside ANALYSIS_MAX_SIDE px. With the
 * displayed size from `inspectImage`, an image that fits is decoded without a resize step; should
 * the pixels come out larger than that size said (a header that lied), they are decoded again with it.
 */
async function decodeFitted(
  bytes: Buffer,
  limits: ImageLimits,
  displayed?: { width: number; height: number },
): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  const decode = (known?: { width: number; height: number }) =>
    runDecode(
      () =>
        fitInside(orientedPipeline(bytes, limits), ANALYSIS_MAX_SIDE, known)
          .toColourspace('srgb')
          .raw({ depth: 'uchar' })
          .toBuffer({ resolveWithObject: true }),
      limits,
    );
  const decoded = await decode(displayed);
  return Math.max(decoded.info.width, decoded.info.height) > ANALYSIS_MAX_SIDE ? decode() : decoded;
}

/**
 * Quality metrics and both thumbnails from one decode, and the pHash. The image is decoded once, in
 * displayed orientation and sRGB, fitted inside 1024 px (JPEG and WebP shrink on load, so a large
 * photo is never decoded at full size): the 1024 px thumbnail is those pixels, encoded; the 256 px
 * one and the quality statistics are made from them. Separately (`qualityMetrics` and
 * `makeThumbnail` x2) that is three decodes of the original. The pHash is the one `perceptualHash`
 * gives, bit for bit, from its own (1/8-scale) decode.
 *
 * `displayed` is the full image's displayed size (from `inspectImage`), which the quality size
 * checks judge; read from the header when not given. `preview: false` skips the 1024 px thumbnail
 * (see `originalServesAsPreview`). `phashGrid` (from `inspectImage`) saves the pHash's decode;
 * `analyse` moves the quality pass off the calling thread (`PixelAnalysisPool`).
 */
export async function ingestArtefacts(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
  displayed?: { width: number; height: number },
  options: {
    preview?: boolean;
    /** The pHash grid `inspectImage` made with its proof decode; decoded here when absent. */
    phashGrid?: Buffer;
    /** Where the quality pass runs: a `PixelAnalysisPool`'s worker, or (default) inline. */
    analyse?: PixelAnalysis;
  } = {},
): Promise<IngestArtefacts> {
  // The pHash keeps a decode of its own: for a 32x32 grid libvips decodes a JPEG at 1/8 scale (a
  // 64th of the pixels), and that is the grid sharp-phash hashes. Taken from the 1024 px pixels
  // instead, 20 of 31 dev-nearcopies files got a hash 1-4 bits away, against every stored hash and
  // the calibrated thresholds. Ingest passes the grid `inspectImage`'s proof decode made.
  const [hashes, decoded, size] = await Promise.all([
    isPhashGrid(options.phashGrid) ? hashesOfGrid(options.phashGrid) : perceptualHashes(bytes, limits),
    decodeFitted(bytes, limits, displayed),
    displayed ?? displayedSize(bytes, limits),
  ]);
  const { width, height, channels } = decoded.info;
  if (channels !== 3 && channels !== 4) {
    throw corruptImage(undefined, new Error(`expected 3 or 4 channels after decoding, got ${channels}`));
  }
  const raw = { raw: { width, height, channels } } as const;
  const pixels = () => sharp(decoded.data, raw);
  // Analysis looks at the image as a viewer shows it: transparency flattened on white.
  const flat =
    channels === 4
      ? await pixels().flatten({ background: FLATTEN_BACKGROUND }).raw().toBuffer()
      : decoded.data;
  const [thumb1024, thumb256, { quality, luma }] = await Promise.all([
    options.preview === false ? Promise.resolve(undefined) : pixels().webp(thumbnailWebp(1024)).toBuffer(),
    pixels()
      .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
      .webp(thumbnailWebp(256))
      .toBuffer(),
    (options.analyse ?? inlineAnalysis)({ data: flat, width, height, channels: 3 }, size),
  ]);
  return {
    phash: hashes.phash,
    phashVariants: hashes.variants,
    quality,
    thumb256,
    thumb1024,
    luma,
  };
}
