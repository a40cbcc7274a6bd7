import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
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
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../auth/caller';
import {
  IngestRequestDto,
  PresignRequestDto,
  PresignResponseDto,
  UploadRequestDto,
} from '../dtos/images.dto';
import { CursorQueryDto } from '../dtos/common.dto';
import {
  DeleteVideoResponseDto,
  VideoDuplicatesResponseDto,
  VideoIngestResponseDto,
  VideoListResponseDto,
  VideoRecordDto,
} from '../dtos/videos.dto';
import type { UploadedImage } from '../services/images.service';
import { VideosService } from '../services/videos.service';
import { ApiProblems } from './api-docs';
import { VideoIdPipe } from './image-id.pipe';

/**
 * Largest video the one-call multipart upload takes (it is held in the gateway's memory); larger
 * ones go through presign (up to ingest's MAX_VIDEO_BYTES). docs/video.md.
 */
export const VIDEO_MULTIPART_MAX_BYTES = 256 * 1024 * 1024;

@ApiTags('videos')
@Controller('videos')
export class VideosController {
  constructor(private readonly videos: VideosService) {}

  @Post('presign')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'presignVideoUpload',
    summary: 'Get a short-lived upload URL for a video (signed with the video size limit)',
  })
  @ApiOkResponse({ type: PresignResponseDto })
  @ApiProblems(400, 413)
  presign(@CurrentCaller() caller: Caller, @Body() dto: PresignRequestDto): Promise<PresignResponseDto> {
    return this.videos.presign(caller, dto);
  }

  @Post('ingest')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'ingestVideo',
    summary: 'Ingest an uploaded video: checked now, frames extracted by a job',
  })
  @ApiAcceptedResponse({ type: VideoIngestResponseDto })
  @ApiProblems(400, 403, 404, 413, 415, 422, 501)
  ingest(@CurrentCaller() caller: Caller, @Body() dto: IngestRequestDto): Promise<VideoIngestResponseDto> {
    return this.videos.ingest(caller, dto);
  }

  @Post()
  @HttpCode(202)
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: VIDEO_MULTIPART_MAX_BYTES, files: 1, fields: 40 } }),
  )
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadRequestDto })
  @ApiOperation({
    operationId: 'uploadVideo',
    summary: 'Upload a video (up to 256 MiB) and start its frame extraction in one call',
  })
  @ApiAcceptedResponse({ type: VideoIngestResponseDto })
  @ApiProblems(400, 413, 415, 422, 501)
  upload(
    @CurrentCaller() caller: Caller,
    @UploadedFile() file: UploadedImage | undefined,
    @Body() dto: UploadRequestDto,
  ): Promise<VideoIngestResponseDto> {
    return this.videos.upload(caller, file, dto.tags);
  }

  @Get()
  @ApiOperation({ operationId: 'listVideos', summary: 'Your videos, newest first' })
  @ApiOkResponse({ type: VideoListResponseDto })
  @ApiProblems(400)
  list(@CurrentCaller() caller: Caller, @Query() query: CursorQueryDto): Promise<VideoListResponseDto> {
    return this.videos.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getVideo',
    summary: 'A video: what the probe read, its shots, its frames in time order and signed URLs',
  })
  @ApiOkResponse({ type: VideoRecordDto })
  @ApiProblems(400, 404)
  get(@CurrentCaller() caller: Caller, @Param('id', VideoIdPipe) id: string): Promise<VideoRecordDto> {
    return this.videos.get(caller, id);
  }

  @Get(':id/duplicates')
  @ApiOperation({
    operationId: 'getVideoDuplicates',
    summary: "Videos whose frames align with this one's, with the time offset and the share matched",
  })
  @ApiOkResponse({ type: VideoDuplicatesResponseDto })
  @ApiProblems(400, 404)
  duplicates(
    @CurrentCaller() caller: Caller,
    @Param('id', VideoIdPipe) id: string,
  ): Promise<VideoDuplicatesResponseDto> {
    return this.videos.duplicates(caller, id);
  }

  @Delete(':id')
  @ApiOperation({
    operationId: 'deleteVideo',
    summary: 'Delete a video whole: its frames (images, thumbnails, vectors), the original and its rows',
  })
  @ApiOkResponse({ type: DeleteVideoResponseDto })
  @ApiProblems(400, 404)
  remove(
    @CurrentCaller() caller: Caller,
    @Param('id', VideoIdPipe) id: string,
  ): Promise<DeleteVideoResponseDto> {
    return this.videos.remove(caller, id);
  }
}
