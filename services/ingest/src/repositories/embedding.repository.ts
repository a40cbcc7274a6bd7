import { Injectable } from '@nestjs/common';
import { MAX_INLINE_IMAGE_BYTES, Subjects, unpackVector } from '@lookalike/contracts';
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
 * the service reading back the object just stored; otherwise (and always over NATS) by object key
 * (claim check).
 */
@Injectable()
export class EmbeddingRepository {
  constructor(private readonly rpc: RpcClient) {}

  async embedImage(
    object: { bucket: string; key: string; bytes?: Buffer },
    crops: { enabled: boolean; count: number },
  ): Promise<ImageVectors> {
    const { bucket, key, bytes } = object;
    const source =
      this.rpc.carriesImageBytes && bytes && bytes.length > 0 && bytes.length <= MAX_INLINE_IMAGE_BYTES
        ? { inline: bytes }
        : { bucket, key };
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
