import { Injectable } from '@nestjs/common';
import { Subjects, unpackVector } from '@lookalike/contracts';
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

/** The embedding service, reached over the transport with the object key (claim check). */
@Injectable()
export class EmbeddingRepository {
  constructor(private readonly rpc: RpcClient) {}

  async embedImage(
    object: { bucket: string; key: string },
    crops: { enabled: boolean; count: number },
  ): Promise<ImageVectors> {
    const reply = await this.rpc.send(Subjects.EmbeddingEmbedImages, {
      images: [{ bucket: object.bucket, key: object.key }],
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
