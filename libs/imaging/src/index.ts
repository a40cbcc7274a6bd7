import './sharp-loaders';

export { ALLOWED_SHARP_LOADERS, restrictSharpLoaders } from './sharp-loaders';
export { DEFAULT_IMAGE_LIMITS, type ImageLimits, sharpInputOptions } from './image-limits';
export {
  ALLOWED_MIME_TYPES,
  detectImageFormat,
  type FormatDetection,
  type ImageFormat,
  mimeTypeForFileName,
} from './image-format';
export { ImageRejection } from './image-errors';
export { type ImageInfo, inspectImage } from './image-inspection';
export {
  ANALYSIS_MAX_SIDE,
  type DecodedImage,
  type DecodeOptions,
  decodeForAnalysis,
  FLATTEN_BACKGROUND,
  normalisedPipeline,
  orientedPipeline,
  runDecode,
} from './image-decoding';
export {
  hammingHex,
  PHASH_CHUNKS,
  perceptualHash,
  perceptualHashes,
  type PhashVariants,
  phashChunks,
  phashVariants,
} from './perceptual-hash';
export {
  QUALITY_FLAGS,
  QUALITY_THRESHOLDS,
  type QualityFlag,
  analysisLuma,
  type LumaImage,
  lumaOf,
  qualityAndLuma,
  type QualityMetrics,
  qualityFromPixels,
  qualityMetrics,
  qualityScore,
} from './quality-metrics';
export {
  makeThumbnail,
  originalServesAsPreview,
  PREVIEW_MAX_BYTES,
  PREVIEW_MAX_SIDE,
  THUMBNAIL_MIME,
  THUMBNAIL_SIZES,
  type ThumbnailSize,
} from './thumbnails';
export {
  type CropRegion,
  type CropStrategy,
  MAX_SALIENT_CROPS,
  type SalientCrop,
  type SalientCropOptions,
  salientCrops,
} from './salient-crops';
export { sha256Hex } from './content-hash';
export { analyzeImage, type ImageAnalysis } from './image-analysis';
export { ingestArtefacts, type IngestArtefacts } from './ingest-artefacts';
export {
  inlineAnalysis,
  inlineAnalysisOn,
  type PixelAnalysis,
  PixelAnalysisPool,
  type PixelAnalysisPoolOptions,
} from './analysis-pool';
export {
  IMAGING_ADDON_PATH,
  pixelRuntimesHere,
  type PixelRuntime,
  type PixelRuntimeChoice,
  pixelSums,
  pixelSumsOffThread,
  type PixelSums,
  resolvePixelRuntime,
} from './pixel-sums';
export { derivedVariants, HASH_VARIANTS, type HashVariant } from './phash-variants';
