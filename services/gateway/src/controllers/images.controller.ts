import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import { JobRefDto } from '../dtos/common.dto';
import {
  BatchIngestRequestDto,
  DeleteImageResponseDto,
  ImageListResponseDto,
  ImageRecordDto,
  IngestRequestDto,
  IngestResponseDto,
  ListImagesQueryDto,
  PresignRequestDto,
  PresignResponseDto,
  UpdateImageDto,
  UploadRequestDto,
} from '../dtos/images.dto';
import { ImagesService, UploadedImage } from '../services/images.service';
import { ImageIdPipe } from './image-id.pipe';
import { ApiProblems } from './api-docs';

@ApiTags('images')
@Controller('images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post('presign')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'presignUpload',
    summary: 'Get a short-lived upload URL under your tenant prefix',
  })
  @ApiOkResponse({ type: PresignResponseDto })
  @ApiProblems(400, 413)
  presign(@CurrentCaller() caller: Caller, @Body() dto: PresignRequestDto): Promise<PresignResponseDto> {
    return this.images.presign(caller, dto);
  }

  @Post('ingest')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'ingestImage',
    summary: 'Ingest an uploaded object: validate, hash, embed, index',
  })
  @ApiOkResponse({ type: IngestResponseDto })
  @ApiProblems(400, 403, 404, 413, 415, 422)
  ingest(@CurrentCaller() caller: Caller, @Body() dto: IngestRequestDto): Promise<IngestResponseDto> {
    return this.images.ingest(caller, dto);
  }

  @Post('ingest/batch')
  @HttpCode(202)
  @ApiOperation({ operationId: 'ingestBatch', summary: 'Ingest many uploaded objects as a durable job' })
  @ApiAcceptedResponse({ type: JobRefDto })
  @ApiProblems(400, 403)
  ingestBatch(@CurrentCaller() caller: Caller, @Body() dto: BatchIngestRequestDto): Promise<JobRefDto> {
    return this.images.ingestBatch(caller, dto);
  }

  @Post('samples')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'loadSampleImages',
    summary: 'Load the sample images into your empty library, as a batch ingest job',
    description:
      "The server's sample images (SAMPLES_DIR; the embedded mode bundles 57) are ingested into the " +
      "caller's library, tagged `sample`. Follow the job at `status_url`. A load already under way " +
      'answers its job again. 409 `library_not_empty` when the library has images; 501 ' +
      '`samples_unavailable` where the server has no samples (distributed, SAMPLES_DIR unset).',
  })
  @ApiAcceptedResponse({ type: JobRefDto })
  @ApiProblems(409, 501)
  loadSampleImages(@CurrentCaller() caller: Caller): Promise<JobRefDto> {
    return this.images.loadSampleImages(caller);
  }

  @Post()
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadRequestDto })
  @ApiOperation({
    operationId: 'uploadImage',
    summary: 'Upload and ingest one image in one call (presign + upload + ingest)',
  })
  @ApiCreatedResponse({ type: IngestResponseDto })
  @ApiProblems(400, 413, 415, 422)
  upload(
    @CurrentCaller() caller: Caller,
    @UploadedFile() file: UploadedImage | undefined,
    @Body() dto: UploadRequestDto,
  ): Promise<IngestResponseDto> {
    return this.images.upload(caller, file, dto.tags);
  }

  @Get()
  @ApiOperation({ operationId: 'listImages', summary: 'Your images, newest first, with the filter language' })
  @ApiOkResponse({ type: ImageListResponseDto })
  @ApiProblems(400)
  list(@CurrentCaller() caller: Caller, @Query() query: ListImagesQueryDto): Promise<ImageListResponseDto> {
    return this.images.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getImage',
    summary: 'One image with its payload and signed preview/thumbnail URLs',
  })
  @ApiOkResponse({ type: ImageRecordDto })
  @ApiProblems(400, 404)
  get(@CurrentCaller() caller: Caller, @Param('id', ImageIdPipe) id: string): Promise<ImageRecordDto> {
    return this.images.get(caller, id);
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateImage', summary: 'Change the tags of an image' })
  @ApiOkResponse({ type: ImageRecordDto })
  @ApiProblems(400, 404)
  update(
    @CurrentCaller() caller: Caller,
    @Param('id', ImageIdPipe) id: string,
    @Body() dto: UpdateImageDto,
  ): Promise<ImageRecordDto> {
    return this.images.update(caller, id, dto);
  }

  @Delete(':id')
  @ApiOperation({
    operationId: 'deleteImage',
    summary: 'Delete an image: object, thumbnails, vectors and rows',
  })
  @ApiOkResponse({ type: DeleteImageResponseDto })
  @ApiProblems(400, 404)
  remove(
    @CurrentCaller() caller: Caller,
    @Param('id', ImageIdPipe) id: string,
  ): Promise<DeleteImageResponseDto> {
    return this.images.remove(caller, id);
  }
}
