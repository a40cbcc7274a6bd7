import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/admin.guard';
import { Caller, CurrentCaller } from '../auth/caller';
import {
  ApplyThresholdsDto,
  AppliedThresholdsDto,
  QualityThresholdsDto,
  UndoneThresholdsDto,
  UndoThresholdsDto,
} from '../dtos/thresholds.dto';
import { ThresholdsService } from '../services/thresholds.service';
import { ApiProblems } from './api-docs';

@ApiTags('quality')
@Controller('quality/thresholds')
export class ThresholdsController {
  constructor(private readonly thresholds: ThresholdsService) {}

  @Get()
  @ApiOperation({
    operationId: 'getQualityThresholds',
    summary:
      "The thresholds in force and those your reviewers' decisions suggest, with the agreement of each, and the applied versions",
  })
  @ApiOkResponse({ type: QualityThresholdsDto })
  @ApiProblems()
  get(@CurrentCaller() caller: Caller): Promise<QualityThresholdsDto> {
    return this.thresholds.get(caller);
  }

  @Post('apply')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    operationId: 'applyQualityThresholds',
    summary: 'Apply the suggestions (or given values) to your collection as a new version (admins)',
  })
  @ApiOkResponse({ type: AppliedThresholdsDto })
  @ApiProblems(400, 403, 422)
  apply(@CurrentCaller() caller: Caller, @Body() dto: ApplyThresholdsDto): Promise<AppliedThresholdsDto> {
    return this.thresholds.apply(caller, dto);
  }

  @Post('undo')
  @HttpCode(200)
  @AdminOnly()
  @ApiOperation({
    operationId: 'undoQualityThresholds',
    summary: 'Undo the version in force: the one before it applies again (admins)',
  })
  @ApiOkResponse({ type: UndoneThresholdsDto })
  @ApiProblems(400, 403, 409)
  undo(@CurrentCaller() caller: Caller, @Body() dto: UndoThresholdsDto): Promise<UndoneThresholdsDto> {
    return this.thresholds.undo(caller, dto);
  }
}
