import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { JobAccepted, JobRefDto } from '../dtos/common.dto';
import {
  ClusterRequestDto,
  ClusterResponseDto,
  SimilarSearchRequestDto,
  SimilarSearchResponseDto,
  SimilarSearchUploadDto,
} from '../dtos/search.dto';
import { UploadedImage } from '../services/images.service';
import { SearchService } from '../services/search.service';
import { ApiProblems } from './api-docs';
import { JobAcceptedInterceptor } from './job-accepted.interceptor';

@ApiTags('search')
@Controller('search')
@ApiExtraModels(SimilarSearchRequestDto, SimilarSearchUploadDto)
export class SearchController {
  constructor(private readonly search: SearchService) {}

  @Post('similar')
  @HttpCode(200)
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    description: 'Exactly one of image_id, text_query, vector, or (multipart) file',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(SimilarSearchRequestDto) },
        { $ref: getSchemaPath(SimilarSearchUploadDto) },
      ],
    },
  })
  @ApiOperation({
    operationId: 'searchSimilar',
    summary: 'Find images similar to an image, a text, a vector or an uploaded file',
  })
  @ApiOkResponse({ type: SimilarSearchResponseDto })
  @ApiProblems(400, 404, 413, 415, 422)
  similar(
    @CurrentCaller() caller: Caller,
    @Body() dto: SimilarSearchRequestDto,
    @UploadedFile() file: UploadedImage | undefined,
  ): Promise<SimilarSearchResponseDto> {
    return this.search.similar(caller, dto, file);
  }

  @Post('cluster')
  @HttpCode(200)
  @UseInterceptors(JobAcceptedInterceptor)
  @ApiOperation({
    operationId: 'searchCluster',
    summary: 'Cluster look-alikes (agglomerative, cosine distance)',
    description:
      'Up to the inline maximum of points (image_ids, or limit for a filter; SEARCH_CLUSTER_INLINE_MAX, default 1000) the clusters come back at once. Larger requests, and any with async: true, are checked first (the same 400 and 404 answers) and then run as a job: 202 with job_id and a Location header; poll GET /api/jobs/{id} until state is succeeded, and read the clusters from its result.',
  })
  @ApiOkResponse({ type: ClusterResponseDto, description: 'Clustered inline' })
  @ApiAcceptedResponse({
    type: JobRefDto,
    description: 'Running as a job; its result holds the clusters in the shape of the 200 answer',
    headers: { Location: { description: 'The job: /api/jobs/{id}', schema: { type: 'string' } } },
  })
  @ApiProblems(400, 404)
  cluster(
    @CurrentCaller() caller: Caller,
    @Body() dto: ClusterRequestDto,
  ): Promise<ClusterResponseDto | JobAccepted> {
    return this.search.cluster(caller, dto);
  }
}
