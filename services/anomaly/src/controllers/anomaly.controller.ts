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
} from '@lookalike/contracts';
import { AnomalyService } from '../services/anomaly.service';

// Typed errors cross the transport as they are; the bus maps them to wire errors.
@Controller()
export class AnomalyController {
  constructor(private readonly service: AnomalyService) {}

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
}
