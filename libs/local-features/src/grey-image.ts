import { analysisLuma, DEFAULT_IMAGE_LIMITS, type ImageLimits } from '@lookalike/imaging';
import type { GreyImage } from './local-features';

/**
 * The grey image local features are extracted from, for encoded bytes (a query image, an original
 * whose features were never stored, the benches): the luma ingest hands over for an upload
 * (`analysisLuma`: displayed orientation, sRGB, fitted inside 1024 px, transparency flattened on
 * white), so features made here and at ingest come from the same pixels. Extraction fits it to
 * the feature size and stretches its contrast (`fitGrey`, `stretchContrast`).
 */
export function greyFromBytes(bytes: Buffer, limits: ImageLimits = DEFAULT_IMAGE_LIMITS): Promise<GreyImage> {
  return analysisLuma(bytes, limits);
}
