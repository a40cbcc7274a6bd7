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
import { fitInsideSize, modelSourceOf, type RgbPixels } from './model-source';
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
   * What the embedding model is fed from (`modelSourceOf` of the flattened pixels): ingest hands it
   * to the embedding service, which makes the same pixels from bytes with `decodeModelSource`.
   */
  modelSource: RgbPixels;
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

/** The analysis decode, and its pixels with transparency flattened on white (the same when opaque). */
async function analysisPixels(
  bytes: Buffer,
  limits: ImageLimits,
  displayed?: { width: number; height: number },
): Promise<{ decoded: { data: Buffer; info: sharp.OutputInfo }; flat: RgbPixels }> {
  const decoded = await decodeFitted(bytes, limits, displayed);
  const { width, height, channels } = decoded.info;
  if (channels !== 3 && channels !== 4) {
    throw corruptImage(undefined, new Error(`expected 3 or 4 channels after decoding, got ${channels}`));
  }
  const data =
    channels === 4
      ? await sharp(decoded.data, { raw: { width, height, channels } })
          .flatten({ background: FLATTEN_BACKGROUND })
          .raw()
          .toBuffer()
      : decoded.data;
  return { decoded, flat: { data, width, height } };
}

/**
 * The embedding model's source pixels from the image bytes: the same bytes `ingestArtefacts` gives
 * as `modelSource`, by the same decode (what the embedding service uses when ingest did not hand the
 * pixels over: a search query, a replay, the distributed mode's claim check).
 */
export async function decodeModelSource(
  bytes: Buffer,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<RgbPixels> {
  return modelSourceOf((await analysisPixels(bytes, limits)).flat);
}

/**
 * Quality metrics, both thumbnails and the model's source pixels from one decode, and the pHash. The
 * image is decoded once, in displayed orientation and sRGB, fitted inside 1024 px (JPEG and WebP
 * shrink on load, so a large photo is never decoded at full size): the 1024 px thumbnail is those
 * pixels, encoded; the quality statistics and the model source are made from them, and the 256 px
 * thumbnail from the model source (from the decode itself when the image has transparency, which
 * the thumbnail keeps). Separately (`qualityMetrics` and
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
  const [hashes, { decoded, flat }, size] = await Promise.all([
    isPhashGrid(options.phashGrid) ? hashesOfGrid(options.phashGrid) : perceptualHashes(bytes, limits),
    analysisPixels(bytes, limits, displayed),
    displayed ?? displayedSize(bytes, limits),
  ]);
  const { width, height, channels } = decoded.info;
  const pixels = () => sharp(decoded.data, { raw: { width, height, channels } });
  // The thumbnail has the size a resize of the decode would give, whichever pixels it comes from.
  const thumbSize = fitInsideSize(width, height, 256);
  const thumbnail256 = (from: sharp.Sharp) =>
    from.resize(thumbSize.width, thumbSize.height, { fit: 'fill' }).webp(thumbnailWebp(256)).toBuffer();
  const [thumb1024, [modelSource, thumb256], { quality, luma }] = await Promise.all([
    options.preview === false ? Promise.resolve(undefined) : pixels().webp(thumbnailWebp(1024)).toBuffer(),
    modelSourceOf(flat).then(async (source) => {
      const from =
        channels === 4
          ? pixels()
          : sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } });
      return [source, await thumbnail256(from)] as const;
    }),
    // Analysis looks at the image as a viewer shows it: transparency flattened on white.
    (options.analyse ?? inlineAnalysis)({ ...flat, channels: 3 }, size),
  ]);
  return {
    phash: hashes.phash,
    phashVariants: hashes.variants,
    quality,
    thumb256,
    thumb1024,
    modelSource,
    luma,
  };
}
