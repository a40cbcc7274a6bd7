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
} from '@lookalike/contracts';
import { FeedbackService } from '../services/feedback.service';

// Typed errors cross the transport as they are; the bus maps them to wire errors.
@Controller()
export class FeedbackController {
  constructor(private readonly service: FeedbackService) {}

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
}
