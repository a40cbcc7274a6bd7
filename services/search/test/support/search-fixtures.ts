import { createHash } from 'node:crypto';
import { ImagePayload } from '@lookalike/contracts';
import type { UpsertPoint, VectorStore } from '@lookalike/vector-store';

export const MODEL = { name: 'clip', version: 'v1', dimension: 8, crops: true } as const;

/** A deterministic ULID-shaped image id (26 Crockford characters) from a name. */
export function imageIdOf(name: string): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const digest = createHash('sha256').update(name).digest();
  return Array.from({ length: 26 }, (_, i) => alphabet[digest[i]! % 32]).join('');
}

export function sha256Of(name: string): string {
  return createHash('sha256').update(`bytes:${name}`).digest('hex');
}

/** A unit vector leaning towards `axis`, turned by `angle` towards `towards`. */
export function vec(
  axis: number,
  angle = 0,
  towards = (axis + 1) % MODEL.dimension,
  dim: number = MODEL.dimension,
): Float32Array {
  const v = new Float32Array(dim);
  v[axis] = Math.cos(angle);
  v[towards] = (v[towards] ?? 0) + Math.sin(angle);
  return v;
}

export interface SeedImage {
  name: string;
  vector: Float32Array;
  crops?: Float32Array[];
  phash?: string;
  tags?: string[];
  createdAt?: string;
  qualityScore?: number;
  nsfwScore?: number;
  anomalyScore?: number;
  qualityFlags?: string[];
  source?: string;
  sha256?: string;
}

export function payloadOf(owner: string, image: SeedImage): ImagePayload {
  const imageId = imageIdOf(`${owner}/${image.name}`);
  return ImagePayload.fromPartial({
    imageId,
    ownerUserId: owner,
    bucket: 'lookalike',
    key: `${owner}/2026/01/${imageId}.jpg`,
    sha256: image.sha256 ?? sha256Of(`${owner}/${image.name}`),
    phash: image.phash ?? '0000000000000000',
    width: 640,
    height: 480,
    format: 'jpeg',
    source: image.source ?? 'upload',
    tags: image.tags ?? [],
    createdAt: image.createdAt ?? '2026-01-01T00:00:00.000Z',
    modelName: MODEL.name,
    modelVersion: MODEL.version,
    qualityScore: image.qualityScore ?? 0.8,
    qualityFlags: image.qualityFlags ?? [],
    nsfwScore: image.nsfwScore ?? 0.01,
    anomalyScore: image.anomalyScore ?? 0.1,
    sizeBytes: 1000,
  });
}

/** Seeds images straight into the index (the way ingest writes them); returns name -> image id. */
export async function seed(
  store: VectorStore,
  owner: string,
  images: readonly SeedImage[],
): Promise<Map<string, string>> {
  const points: UpsertPoint[] = images.map((image) => ({
    payload: payloadOf(owner, image),
    vectors: { [`${MODEL.name}_global`]: image.vector },
    multivectors: image.crops ? { [`${MODEL.name}_crops`]: image.crops } : undefined,
  }));
  await store.upsert(owner, points);
  return new Map(images.map((image, i) => [image.name, points[i]!.payload.imageId]));
}
