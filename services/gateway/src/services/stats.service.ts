import { Injectable } from '@nestjs/common';
import { Subjects, type Caller } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';
import { JobRefDto } from '../dtos/common.dto';
import { EmbeddingMapDto, StatsQueryDto, StatsResponseDto } from '../dtos/stats.dto';

/** QC statistics and the embedding map of the Overview (issue 17). */
@Injectable()
export class StatsService {
  constructor(private readonly rpc: RpcClient) {}

  async stats(caller: Caller, query: StatsQueryDto): Promise<StatsResponseDto> {
    return StatsResponseDto.from(
      await this.rpc.send(Subjects.FeedbackStats, { caller, window: query.window ?? '7d' }),
    );
  }

  async map(caller: Caller): Promise<EmbeddingMapDto> {
    return EmbeddingMapDto.from(await this.rpc.send(Subjects.SearchMap, { caller }));
  }

  async startMap(caller: Caller): Promise<JobRefDto> {
    return JobRefDto.from((await this.rpc.send(Subjects.SearchMapStart, { caller })).jobId);
  }
}
