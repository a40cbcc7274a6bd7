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
  type ThresholdsApplyRequest,
  type ThresholdsApplyResponse,
  type ThresholdsGetRequest,
  type ThresholdsGetResponse,
  type ThresholdsUndoRequest,
  type ThresholdsUndoResponse,
  type VideoCheckRequest,
  type VideoCheckResponse,
  type VideoDuplicatesRequest,
  type VideoDuplicatesResponse,
} from '@lookalike/contracts';
import { DedupCalibrationService } from '../services/dedup-calibration.service';
import { DedupService } from '../services/dedup.service';
import { VideoDedupService } from '../services/video-dedup.service';

// Typed errors cross the transport as they are; the bus maps them to wire errors.
@Controller()
export class DedupController {
  constructor(
    private readonly service: DedupService,
    private readonly videos: VideoDedupService,
    private readonly calibration: DedupCalibrationService,
  ) {}

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

  @MessagePattern(Subjects.DedupVideoDuplicates.name)
  videoDuplicates(@Payload() req: VideoDuplicatesRequest): Promise<VideoDuplicatesResponse> {
    return this.videos.duplicates(req);
  }

  @MessagePattern(Subjects.DedupCheckVideo.name)
  checkVideo(@Payload() req: VideoCheckRequest): Promise<VideoCheckResponse> {
    return this.videos.check(req);
  }

  @MessagePattern(Subjects.DedupForgetVideo.name)
  forgetVideo(@Payload() req: VideoCheckRequest): Promise<VideoCheckResponse> {
    return this.videos.forget(req);
  }

  @MessagePattern(Subjects.DedupThresholds.name)
  thresholds(@Payload() req: ThresholdsGetRequest): Promise<ThresholdsGetResponse> {
    return this.calibration.report(req);
  }

  @MessagePattern(Subjects.DedupThresholdsApply.name)
  applyThresholds(@Payload() req: ThresholdsApplyRequest): Promise<ThresholdsApplyResponse> {
    return this.calibration.apply(req);
  }

  @MessagePattern(Subjects.DedupThresholdsUndo.name)
  undoThresholds(@Payload() req: ThresholdsUndoRequest): Promise<ThresholdsUndoResponse> {
    return this.calibration.undo(req);
  }
}
