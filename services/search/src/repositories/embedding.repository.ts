import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { ModelInfoGetResponse, Subjects, unpackVector } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { RpcClient } from '@lookalike/messaging';
import type { SearchConfig } from '../search.config';

export interface QueryEmbedding {
  vector: Float32Array;
  crops: Float32Array[];
  modelName: string;
  /** The named vector of the index this embedding belongs in (`clip_global`). */
  vectorName: string;
}

export type QueryImage = { inline: Buffer } | { bucket: string; key: string };

/**
 * The embedding service as search needs it: query vectors for text and images, and which model is
 * active. Text vectors are kept in a bounded LRU keyed by model name, version and text, so a
 * repeated query (the console re-running a search, paging) costs no model call.
 */
@Injectable()
export class EmbeddingRepository {
  /** Absent when SEARCH_TEXT_CACHE_SIZE is 0. */
  private readonly textCache?: LRUCache<string, Float32Array>;
  private modelInfo?: { value: ModelInfoGetResponse; at: number };

  constructor(
    private readonly rpc: RpcClient,
    @Inject(APP_CONFIG) private readonly config: SearchConfig,
  ) {
    if (config.SEARCH_TEXT_CACHE_SIZE > 0)
      this.textCache = new LRUCache({ max: config.SEARCH_TEXT_CACHE_SIZE });
  }

  /** The last model description seen, without asking (image_id queries never call the service). */
  knownModel(): ModelInfoGetResponse | undefined {
    return this.modelInfo?.value;
  }

  async activeModel(): Promise<ModelInfoGetResponse> {
    const now = Date.now();
    if (this.modelInfo && now - this.modelInfo.at < this.config.SEARCH_MODEL_INFO_TTL_MS)
      return this.modelInfo.value;
    const value = await this.rpc.send(Subjects.EmbeddingModelInfo, {});
    this.modelInfo = { value, at: now };
    return value;
  }

  async embedText(text: string): Promise<QueryEmbedding> {
    const model = await this.activeModel();
    const key = `${model.name}\u0000${model.version}\u0000${text}`;
    const cached = this.textCache?.get(key);
    if (cached) return { vector: cached, crops: [], modelName: model.name, vectorName: model.vectorName };
    const reply = await this.rpc.send(Subjects.EmbeddingEmbedText, { texts: [text] });
    // Copy out of the decoded message so the cache does not pin its buffer.
    const vector = Float32Array.from(unpackVector(reply.vectors[0] ?? new Uint8Array()));
    if (reply.modelName === model.name && reply.modelVersion === model.version)
      this.textCache?.set(key, vector);
    return { vector, crops: [], modelName: reply.modelName, vectorName: model.vectorName };
  }

  async embedImage(image: QueryImage, withCrops: boolean): Promise<QueryEmbedding> {
    const reply = await this.rpc.send(Subjects.EmbeddingEmbedImages, { images: [image], withCrops });
    const embedding = reply.embeddings[0];
    return {
      vector: unpackVector(embedding?.vector ?? new Uint8Array()),
      crops: (embedding?.crops ?? []).map((c) => unpackVector(c)),
      modelName: reply.modelName,
      vectorName: reply.vectorName,
    };
  }
}
