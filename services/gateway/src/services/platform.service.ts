import { Inject, Injectable } from '@nestjs/common';
import { Caller, Subjects } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { RpcClient } from '@lookalike/messaging';
import { JobDto, JobRefDto } from '../dtos/common.dto';
import { PublicConfigDto } from '../dtos/config.dto';
import type { GatewayConfig } from '../gateway.config';
import { ModelInfoDto } from '../dtos/models.dto';

/** Jobs, models and administration. */
@Injectable()
export class PlatformService {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
  ) {}

  publicConfig(): PublicConfigDto {
    return PublicConfigDto.from(this.config);
  }

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
