import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { JobRefDto } from '../dtos/common.dto';
import { EmbeddingMapDto, StatsQueryDto, StatsResponseDto } from '../dtos/stats.dto';
import { StatsService } from '../services/stats.service';
import { ApiProblems } from './api-docs';

@ApiTags('stats')
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({
    operationId: 'getStats',
    summary:
      'Your QC statistics: library, duplicates by tier and rate, groups, anomaly review queue, reviews, upload outcomes, and their series',
  })
  @ApiOkResponse({ type: StatsResponseDto })
  @ApiProblems(400)
  get(@CurrentCaller() caller: Caller, @Query() query: StatsQueryDto): Promise<StatsResponseDto> {
    return this.stats.stats(caller, query);
  }

  @Get('map')
  @ApiOperation({
    operationId: 'getEmbeddingMap',
    summary: 'The last 2-D map of your collection (UMAP of the embeddings) with what colours its points',
  })
  @ApiOkResponse({ type: EmbeddingMapDto })
  @ApiProblems()
  map(@CurrentCaller() caller: Caller): Promise<EmbeddingMapDto> {
    return this.stats.map(caller);
  }

  @Post('map')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'computeEmbeddingMap',
    summary: 'Compute the map again as a job (answers the job already running, if any)',
  })
  @ApiAcceptedResponse({ type: JobRefDto })
  @ApiProblems()
  compute(@CurrentCaller() caller: Caller): Promise<JobRefDto> {
    return this.stats.startMap(caller);
  }
}
