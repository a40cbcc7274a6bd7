import { Injectable } from '@nestjs/common';
import { Caller, Subjects } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';
import { JobDto, JobRefDto } from '../dtos/common.dto';
import { ModelInfoDto } from '../dtos/models.dto';

/** Jobs, models and administration. */
@Injectable()
export class PlatformService {
  constructor(private readonly rpc: RpcClient) {}

  async job(caller: Caller, jobId: string): Promise<JobDto> {
    return JobDto.from(await this.rpc.send(Subjects.IngestGetJob, { caller, jobId }));
  }

  async model(): Promise<ModelInfoDto> {
    return ModelInfoDto.from(await this.rpc.send(Subjects.EmbeddingModelInfo, {}));
  }

  async reindex(caller: Caller): Promise<JobRefDto> {
    return JobRefDto.from((await this.rpc.send(Subjects.IngestReindex, { caller })).jobId);
  }
}
