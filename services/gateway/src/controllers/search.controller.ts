import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
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
  @ApiOperation({
    operationId: 'searchCluster',
    summary: 'Cluster look-alikes (agglomerative, cosine distance)',
  })
  @ApiOkResponse({ type: ClusterResponseDto })
  @ApiProblems(400, 404)
  cluster(@CurrentCaller() caller: Caller, @Body() dto: ClusterRequestDto): Promise<ClusterResponseDto> {
    return this.search.cluster(caller, dto);
  }
}
