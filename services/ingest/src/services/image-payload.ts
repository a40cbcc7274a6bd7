import type { ImageEntity } from '@lookalike/persistence';
import type { PointPayload } from '@lookalike/vector-store';

/** The vector payload (DESIGN.md section 3) of an image row. */
export function payloadOf(image: ImageEntity): PointPayload {
  return {
    imageId: image.imageId,
    ownerUserId: image.ownerUserId,
    bucket: image.bucket,
    key: image.key,
    sha256: image.sha256,
    phash: image.phash ?? '',
    width: image.width ?? 0,
    height: image.height ?? 0,
    format: image.format ?? '',
    source: image.source,
    tags: [...image.tags],
    createdAt: image.createdAt.toISOString(),
    modelName: image.modelName ?? '',
    modelVersion: image.modelVersion ?? '',
    qualityScore: image.qualityScore ?? 0,
    qualityFlags: [...image.qualityFlags],
    nsfwScore: image.nsfwScore ?? 0,
    anomalyScore: image.anomalyScore ?? 0,
    sizeBytes: image.sizeBytes,
  };
}
