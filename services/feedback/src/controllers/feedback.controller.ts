import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  Subjects,
  type FeedbackCreateRequest,
  type FeedbackCreateResponse,
  type FeedbackListRequest,
  type FeedbackListResponse,
  type HardNegativesExportRequest,
  type HardNegativesExportResponse,
  type StatsRequest,
  type StatsResponse,
} from '@lookalike/contracts';
import { FeedbackService } from '../services/feedback.service';
import { StatsService } from '../services/stats.service';

// Typed errors cross the transport as they are; the bus maps them to wire errors.
@Controller()
export class FeedbackController {
  constructor(
    private readonly service: FeedbackService,
    private readonly stats: StatsService,
  ) {}

  @MessagePattern(Subjects.FeedbackCreate.name)
  create(@Payload() req: FeedbackCreateRequest): Promise<FeedbackCreateResponse> {
    return this.service.create(req);
  }

  @MessagePattern(Subjects.FeedbackList.name)
  list(@Payload() req: FeedbackListRequest): Promise<FeedbackListResponse> {
    return this.service.list(req);
  }

  @MessagePattern(Subjects.FeedbackHardNegatives.name)
  hardNegatives(@Payload() req: HardNegativesExportRequest): Promise<HardNegativesExportResponse> {
    return this.service.hardNegatives(req);
  }

  @MessagePattern(Subjects.FeedbackStats.name)
  statistics(@Payload() req: StatsRequest): Promise<StatsResponse> {
    return this.stats.get(req);
  }
}
