import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  Subjects,
  type DecisionRecordRequest,
  type Empty,
  type GroupListRequest,
  type GroupListResponse,
  type GroupResolveRequest,
  type GroupResolveResponse,
  type ImageCheckRequest,
  type ImageCheckResponse,
  type JobRef,
  type ScanStartRequest,
} from '@lookalike/contracts';
import { DedupService } from '../services/dedup.service';

// Typed errors cross the transport as they are; the bus maps them to wire errors.
@Controller()
export class DedupController {
  constructor(private readonly service: DedupService) {}

  @MessagePattern(Subjects.DedupScan.name)
  scan(@Payload() req: ScanStartRequest): Promise<JobRef> {
    return this.service.startScan(req);
  }

  @MessagePattern(Subjects.DedupListGroups.name)
  listGroups(@Payload() req: GroupListRequest): Promise<GroupListResponse> {
    return this.service.listGroups(req);
  }

  @MessagePattern(Subjects.DedupResolveGroup.name)
  resolveGroup(@Payload() req: GroupResolveRequest): Promise<GroupResolveResponse> {
    return this.service.resolveGroup(req);
  }

  @MessagePattern(Subjects.DedupCheckImage.name)
  checkImage(@Payload() req: ImageCheckRequest): Promise<ImageCheckResponse> {
    return this.service.checkImage(req);
  }

  @MessagePattern(Subjects.DedupRecordDecision.name)
  recordDecision(@Payload() req: DecisionRecordRequest): Promise<Empty> {
    return this.service.recordDecision(req);
  }
}
