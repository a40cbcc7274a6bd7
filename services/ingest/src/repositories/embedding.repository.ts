import { Injectable } from '@nestjs/common';
import { MAX_INLINE_IMAGE_BYTES, Subjects, unpackVector } from '@lookalike/contracts';
import type { RgbPixels } from '@lookalike/imaging';
import { RpcClient } from '@lookalike/messaging';

export interface ImageVectors {
  modelName: string;
  modelVersion: string;
  /** Named vector of the global embedding, e.g. `clip_global`. */
  vectorName: string;
  dimension: number;
  global: Float32Array;
  crops: Float32Array[];
  nsfwScore: number;
}

/**
 * The embedding service, reached over the transport. On the in-process transport the image goes
 * inline when ingest holds its bytes and they fit a message (MAX_INLINE_IMAGE_BYTES), which saves
 * the service reading back the object just stored, and with it the model's source pixels when
 * ingest made them (which saves it decoding the image again); otherwise (and always over NATS) by
 * object key (claim check), and the service decodes it.
 */
@Injectable()
export class EmbeddingRepository {
  constructor(private readonly rpc: RpcClient) {}

  async embedImage(
    object: { bucket: string; key: string; bytes?: Buffer; modelSource?: RgbPixels },
    crops: { enabled: boolean; count: number },
  ): Promise<ImageVectors> {
    const { bucket, key, bytes, modelSource } = object;
    const inline =
      this.rpc.carriesImageBytes && bytes && bytes.length > 0 && bytes.length <= MAX_INLINE_IMAGE_BYTES;
    const source = {
      ...(inline ? { inline: bytes } : { bucket, key }),
      ...(inline && modelSource
        ? { modelSource: { width: modelSource.width, height: modelSource.height, rgb: modelSource.data } }
        : {}),
    };
    const reply = await this.rpc.send(Subjects.EmbeddingEmbedImages, {
      images: [source],
      withCrops: crops.enabled,
      cropCount: crops.enabled ? crops.count : 0,
    });
    const embedding = reply.embeddings[0];
    if (!embedding) throw new Error('the embedding service answered without an embedding');
    return {
      modelName: reply.modelName,
      modelVersion: reply.modelVersion,
      vectorName: reply.vectorName,
      dimension: reply.dim,
      global: Float32Array.from(unpackVector(embedding.vector)),
      crops: embedding.crops.map((bytes) => Float32Array.from(unpackVector(bytes))),
      nsfwScore: embedding.nsfwScore,
    };
  }
}
