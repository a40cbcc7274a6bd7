import { sha256Hex } from './content-hash';
import { decodeForAnalysis } from './image-decoding';
import { type ImageInfo, inspectImage } from './image-inspection';
import type { ImageLimits } from './image-limits';
import { hashesOfGrid, type PhashVariants } from './perceptual-hash';
import { type QualityMetrics, qualityFromPixels } from './quality-metrics';

export interface ImageAnalysis {
  info: ImageInfo;
  sha256: string;
  phash: string;
  phashVariants: PhashVariants;
  quality: QualityMetrics;
}

/**
 * Everything ingest needs to know about an upload, validation first: nothing is decoded for analysis
 * until `inspectImage` has accepted the bytes, so a rejected file costs only its checks.
 */
export async function analyzeImage(bytes: Buffer, limits: ImageLimits): Promise<ImageAnalysis> {
  const info = await inspectImage(bytes, limits);
  // The inspection's proof decode made the pHash grid already.
  const hashes = hashesOfGrid(info.phashGrid);
  const pixels = await decodeForAnalysis(bytes, limits);
  const quality = await qualityFromPixels(pixels, { width: info.width, height: info.height });
  return { info, sha256: sha256Hex(bytes), phash: hashes.phash, phashVariants: hashes.variants, quality };
}
