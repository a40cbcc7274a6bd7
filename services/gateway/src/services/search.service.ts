import { Injectable } from '@nestjs/common';
import { Caller, ErrorCode, LookalikeError, packVector, Subjects } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';
import { JobAccepted, toContractFilter } from '../dtos/common.dto';
import {
  ClusterRequestDto,
  ClusterResponseDto,
  SimilarSearchRequestDto,
  SimilarSearchResponseDto,
} from '../dtos/search.dto';
import { UploadedImage } from './images.service';
import { ObjectUploader } from './object-uploader';

/** Query images up to this size travel inline; larger ones are staged in the object store. */
const INLINE_QUERY_BYTES = 768 * 1024;

@Injectable()
export class SearchService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly uploader: ObjectUploader,
  ) {}

  async similar(
    caller: Caller,
    dto: SimilarSearchRequestDto,
    file?: UploadedImage,
  ): Promise<SimilarSearchResponseDto> {
    const kinds = [
      dto.image_id !== undefined,
      dto.text_query !== undefined,
      dto.vector !== undefined,
      file !== undefined,
    ];
    if (kinds.filter(Boolean).length !== 1) {
      throw new LookalikeError(
        ErrorCode.InvalidArgument,
        'give exactly one of image_id, text_query, vector or a file',
        {
          details: { query_kinds: ['image_id', 'text_query', 'vector', 'file'] },
        },
      );
    }
    let imageBytes: Buffer | undefined;
    let stagedKey = '';
    if (file) {
      if (file.size === 0) {
        throw LookalikeError.invalid('the query file is empty', { reason: 'empty' });
      }
      if (file.size <= INLINE_QUERY_BYTES) {
        imageBytes = file.buffer;
      } else {
        stagedKey = (await this.uploader.stage(caller, file)).key;
      }
    }
    const reply = await this.rpc.send(Subjects.SearchSimilar, {
      caller,
      imageId: dto.image_id,
      textQuery: dto.text_query,
      vector: dto.vector ? packVector(dto.vector) : Buffer.alloc(0),
      imageBytes: imageBytes ?? Buffer.alloc(0),
      stagedKey,
      limit: dto.limit ?? 20,
      offset: dto.offset ?? 0,
      scoreThreshold: dto.score_threshold,
      filter: toContractFilter(dto.filter),
      useCrops: dto.use_crops ?? false,
      phashGate: dto.phash_gate,
      includePayload: dto.include_payload ?? false,
      ef: dto.ef,
      excludeSelf: dto.exclude_self,
      groupDuplicates: dto.group_duplicates ?? false,
      groupByVideo: dto.group_by_video ?? false,
      verify: dto.verify,
    });
    return SimilarSearchResponseDto.from(reply);
  }

  /** Clusters inline, or (large requests, `async`) answers with the job the search service started. */
  async cluster(caller: Caller, dto: ClusterRequestDto): Promise<ClusterResponseDto | JobAccepted> {
    const reply = await this.rpc.send(Subjects.SearchCluster, {
      caller,
      imageIds: dto.image_ids ?? [],
      filter: toContractFilter(dto.filter),
      limit: dto.limit ?? 500,
      method: dto.method ?? 'agglomerative',
      linkage: dto.linkage ?? 'average',
      threshold: dto.threshold ?? 0.25,
      async: dto.async ?? false,
    });
    return reply.jobId ? JobAccepted.of(reply.jobId) : ClusterResponseDto.from(reply);
  }
}
