import { Injectable } from '@nestjs/common';
import { Subjects, type Caller } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';
import { Admins } from '../auth/admin.guard';
import {
  AnomalyWeightsDto,
  ApplyThresholdsDto,
  AppliedThresholdsDto,
  DedupThresholdsDto,
  QualityThresholdsDto,
  SettingsVersionDto,
  UndoneThresholdsDto,
  UndoThresholdsDto,
} from '../dtos/thresholds.dto';

/** Thresholds that learn (docs/quality-loop.md): the dedup service's thresholds, the anomaly service's weights. */
@Injectable()
export class ThresholdsService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly admins: Admins,
  ) {}

  async get(caller: Caller): Promise<QualityThresholdsDto> {
    const [dedup, anomaly] = await Promise.all([
      this.rpc.send(Subjects.DedupThresholds, { caller }),
      this.rpc.send(Subjects.AnomalyWeights, { caller }),
    ]);
    return {
      can_apply: this.admins.has(caller),
      dedup: DedupThresholdsDto.from(dedup),
      anomaly: AnomalyWeightsDto.from(anomaly),
    };
  }

  async apply(caller: Caller, dto: ApplyThresholdsDto): Promise<AppliedThresholdsDto> {
    if (dto.scope === 'anomaly') {
      const reply = await this.rpc.send(Subjects.AnomalyWeightsApply, { caller, weights: dto.values ?? {} });
      return {
        scope: dto.scope,
        version: SettingsVersionDto.from(reply.version!),
        recompute_job_id: reply.recomputeJobId || undefined,
      };
    }
    const reply = await this.rpc.send(Subjects.DedupThresholdsApply, {
      caller,
      signals: dto.signals ?? [],
      values: dto.values ?? {},
    });
    return { scope: dto.scope, version: SettingsVersionDto.from(reply.version!) };
  }

  async undo(caller: Caller, dto: UndoThresholdsDto): Promise<UndoneThresholdsDto> {
    if (dto.scope === 'anomaly') {
      const reply = await this.rpc.send(Subjects.AnomalyWeightsUndo, { caller });
      return {
        scope: dto.scope,
        undone: SettingsVersionDto.from(reply.undone!),
        current: reply.current ? SettingsVersionDto.from(reply.current) : undefined,
        recompute_job_id: reply.recomputeJobId || undefined,
      };
    }
    const reply = await this.rpc.send(Subjects.DedupThresholdsUndo, { caller });
    return {
      scope: dto.scope,
      undone: SettingsVersionDto.from(reply.undone!),
      current: reply.current ? SettingsVersionDto.from(reply.current) : undefined,
    };
  }
}
