import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  Subjects,
  type AnomalyListRequest,
  type AnomalyListResponse,
  type AnomalyReviewRequest,
  type AnomalyReviewResponse,
  type Empty,
  type ImageScoreRequest,
  type JobRef,
  type RecomputeStartRequest,
  type WeightsApplyRequest,
  type WeightsApplyResponse,
  type WeightsGetRequest,
  type WeightsGetResponse,
  type WeightsUndoResponse,
} from '@lookalike/contracts';
import { AnomalyWeightsService } from '../services/anomaly-weights.service';
import { AnomalyService } from '../services/anomaly.service';

// Typed errors cross the transport as they are; the bus maps them to wire errors.
@Controller()
export class AnomalyController {
  constructor(
    private readonly service: AnomalyService,
    private readonly weights: AnomalyWeightsService,
  ) {}

  @MessagePattern(Subjects.AnomalyList.name)
  list(@Payload() req: AnomalyListRequest): Promise<AnomalyListResponse> {
    return this.service.list(req);
  }

  @MessagePattern(Subjects.AnomalyReview.name)
  review(@Payload() req: AnomalyReviewRequest): Promise<AnomalyReviewResponse> {
    return this.service.review(req);
  }

  @MessagePattern(Subjects.AnomalyRecompute.name)
  recompute(@Payload() req: RecomputeStartRequest): Promise<JobRef> {
    return this.service.recompute(req);
  }

  @MessagePattern(Subjects.AnomalyScoreImage.name)
  scoreImage(@Payload() req: ImageScoreRequest): Promise<Empty> {
    return this.service.scoreImage(req);
  }

  @MessagePattern(Subjects.AnomalyWeights.name)
  getWeights(@Payload() req: WeightsGetRequest): Promise<WeightsGetResponse> {
    return this.weights.report(req);
  }

  @MessagePattern(Subjects.AnomalyWeightsApply.name)
  applyWeights(@Payload() req: WeightsApplyRequest): Promise<WeightsApplyResponse> {
    return this.weights.apply(req);
  }

  @MessagePattern(Subjects.AnomalyWeightsUndo.name)
  undoWeights(@Payload() req: WeightsGetRequest): Promise<WeightsUndoResponse> {
    return this.weights.undo(req);
  }
}
