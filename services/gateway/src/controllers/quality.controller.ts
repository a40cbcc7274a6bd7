import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { JobRefDto } from '../dtos/common.dto';
import { DuplicateGroupDto, GroupListResponseDto, GroupsQueryDto, ResolveGroupDto } from '../dtos/dedup.dto';
import { AnomaliesQueryDto, AnomalyItemDto, AnomalyListResponseDto, ReviewAnomalyDto } from '../dtos/qa.dto';
import {
  CreateFeedbackDto,
  FeedbackEntryDto,
  FeedbackListResponseDto,
  FeedbackQueryDto,
} from '../dtos/feedback.dto';
import { QualityService } from '../services/quality.service';
import { ImageIdPipe } from './image-id.pipe';
import { ApiProblems } from './api-docs';

@ApiTags('dedup')
@Controller('dedup')
export class DedupController {
  constructor(private readonly quality: QualityService) {}

  @Post('scan')
  @HttpCode(202)
  @ApiOperation({ operationId: 'dedupScan', summary: 'Start a full duplicate sweep of your collection' })
  @ApiAcceptedResponse({ type: JobRefDto })
  @ApiProblems()
  scan(@CurrentCaller() caller: Caller): Promise<JobRefDto> {
    return this.quality.scan(caller);
  }

  @Get('groups')
  @ApiOperation({
    operationId: 'listDuplicateGroups',
    summary: 'Duplicate groups by tier (exact, near, similar)',
  })
  @ApiOkResponse({ type: GroupListResponseDto })
  @ApiProblems(400)
  groups(@CurrentCaller() caller: Caller, @Query() query: GroupsQueryDto): Promise<GroupListResponseDto> {
    return this.quality.groups(caller, query);
  }

  @Post('groups/:id/resolve')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'resolveDuplicateGroup',
    summary: 'Keep, mark duplicates, or mark pairs as not duplicates',
  })
  @ApiOkResponse({ type: DuplicateGroupDto })
  @ApiProblems(400, 404, 409)
  resolve(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() dto: ResolveGroupDto,
  ): Promise<DuplicateGroupDto> {
    return this.quality.resolve(caller, id, dto);
  }
}

@ApiTags('qa')
@Controller('qa')
export class QaController {
  constructor(private readonly quality: QualityService) {}

  @Get('anomalies')
  @ApiOperation({ operationId: 'listAnomalies', summary: 'The anomaly review queue, highest score first' })
  @ApiOkResponse({ type: AnomalyListResponseDto })
  @ApiProblems(400)
  anomalies(
    @CurrentCaller() caller: Caller,
    @Query() query: AnomaliesQueryDto,
  ): Promise<AnomalyListResponseDto> {
    return this.quality.anomalies(caller, query);
  }

  @Post('anomalies/:id/review')
  @HttpCode(200)
  @ApiOperation({ operationId: 'reviewAnomaly', summary: 'Record a reviewer verdict on an image' })
  @ApiOkResponse({ type: AnomalyItemDto })
  @ApiProblems(400, 404)
  review(
    @CurrentCaller() caller: Caller,
    @Param('id', ImageIdPipe) id: string,
    @Body() dto: ReviewAnomalyDto,
  ): Promise<AnomalyItemDto> {
    return this.quality.review(caller, id, dto);
  }

  @Post('anomalies/recompute')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'recomputeAnomalies',
    summary: 'Recompute every anomaly score of your collection as a job',
  })
  @ApiAcceptedResponse({ type: JobRefDto })
  @ApiProblems()
  recompute(@CurrentCaller() caller: Caller): Promise<JobRefDto> {
    return this.quality.recompute(caller);
  }
}

@ApiTags('feedback')
@Controller('feedback')
export class FeedbackController {
  constructor(private readonly quality: QualityService) {}

  @Post()
  @ApiOperation({ operationId: 'createFeedback', summary: 'Record a verdict on a search hit or an image' })
  @ApiOkResponse({ type: FeedbackEntryDto })
  @ApiProblems(400, 404)
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateFeedbackDto): Promise<FeedbackEntryDto> {
    return this.quality.createFeedback(caller, dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listFeedback', summary: 'Feedback history, newest first' })
  @ApiOkResponse({ type: FeedbackListResponseDto })
  @ApiProblems(400)
  list(@CurrentCaller() caller: Caller, @Query() query: FeedbackQueryDto): Promise<FeedbackListResponseDto> {
    return this.quality.listFeedback(caller, query);
  }

  @Get('hard-negatives')
  @Header('Content-Type', 'application/x-ndjson')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    operationId: 'exportHardNegatives',
    summary: 'Hits reviewers marked irrelevant, as JSON lines for retraining',
  })
  @ApiOkResponse({
    description: 'One {query_id, query_image_id, hit_image_id, note, created_at} object per line',
    schema: { type: 'string' },
  })
  @ApiProblems()
  hardNegatives(@CurrentCaller() caller: Caller): Promise<string> {
    return this.quality.hardNegatives(caller);
  }
}
