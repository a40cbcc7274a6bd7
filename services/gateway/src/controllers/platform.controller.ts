import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Public } from '../auth/caller';
import { JobDto, JobRefDto } from '../dtos/common.dto';
import { PublicConfigDto } from '../dtos/config.dto';
import { ModelInfoDto } from '../dtos/models.dto';
import { PlatformService } from '../services/platform.service';
import { ApiProblems } from './api-docs';

@ApiTags('platform')
@Controller()
export class PlatformController {
  constructor(private readonly platform: PlatformService) {}

  @Public()
  @Get('config')
  @ApiOperation({
    operationId: 'getConfig',
    summary: 'How this server runs and how to sign in (no token needed)',
  })
  @ApiOkResponse({ type: PublicConfigDto })
  config(): PublicConfigDto {
    return this.platform.publicConfig();
  }

  @Get('jobs/:id')
  @ApiOperation({ operationId: 'getJob', summary: 'State and progress of a background job' })
  @ApiOkResponse({ type: JobDto })
  @ApiProblems(404)
  job(@CurrentCaller() caller: Caller, @Param('id') id: string): Promise<JobDto> {
    return this.platform.job(caller, id);
  }

  @Get('models')
  @ApiOperation({
    operationId: 'getModels',
    summary: 'The active embedding model, its dimension, text support and device',
  })
  @ApiOkResponse({ type: ModelInfoDto })
  @ApiProblems()
  models(): Promise<ModelInfoDto> {
    return this.platform.model();
  }

  @Post('admin/reindex')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'startReindex',
    summary: "Fill the active model's vectors for every image, in the background",
  })
  @ApiAcceptedResponse({ type: JobRefDto })
  @ApiProblems()
  reindex(@CurrentCaller() caller: Caller): Promise<JobRefDto> {
    return this.platform.reindex(caller);
  }
}
