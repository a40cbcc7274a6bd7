import { Injectable } from '@nestjs/common';
import { Subjects, type Caller } from '@lookalike/contracts';
import { RpcClient } from '@lookalike/messaging';
import { IngestRequestDto, PresignRequestDto, PresignResponseDto } from '../dtos/images.dto';
import { CursorQueryDto } from '../dtos/common.dto';
import {
  DeleteVideoResponseDto,
  VideoDuplicatesResponseDto,
  VideoIngestResponseDto,
  VideoListResponseDto,
  VideoRecordDto,
} from '../dtos/videos.dto';
import { parseTags, requireFile, type UploadedImage } from './images.service';
import { ObjectUploader } from './object-uploader';

/** Videos (docs/video.md): presign, ingest (the extraction runs as a job), one call upload, get. */
@Injectable()
export class VideosService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly uploader: ObjectUploader,
  ) {}

  async presign(caller: Caller, dto: PresignRequestDto): Promise<PresignResponseDto> {
    const reply = await this.rpc.send(Subjects.IngestVideoPresign, {
      caller,
      contentType: dto.content_type ?? '',
      filename: dto.filename ?? '',
      sizeBytes: dto.size_bytes ?? 0,
    });
    return PresignResponseDto.from(reply);
  }

  async ingest(caller: Caller, dto: IngestRequestDto, source = 'api'): Promise<VideoIngestResponseDto> {
    const reply = await this.rpc.send(Subjects.IngestVideoIngest, {
      caller,
      bucket: dto.bucket,
      key: dto.key,
      tags: dto.tags ?? [],
      source,
    });
    return VideoIngestResponseDto.from(reply);
  }

  /** presign + upload + ingest in one call: the bytes go to the store through a presigned URL. */
  async upload(
    caller: Caller,
    file: UploadedImage | undefined,
    tagsJson: string | undefined,
  ): Promise<VideoIngestResponseDto> {
    requireFile(file);
    const tags = parseTags(tagsJson);
    const staged = await this.uploader.stage(caller, file, Subjects.IngestVideoPresign);
    return this.ingest(caller, { bucket: staged.bucket, key: staged.key, tags }, 'upload');
  }

  async duplicates(caller: Caller, videoId: string): Promise<VideoDuplicatesResponseDto> {
    return VideoDuplicatesResponseDto.from(
      await this.rpc.send(Subjects.DedupVideoDuplicates, { caller, videoId }),
    );
  }

  async list(caller: Caller, query: CursorQueryDto): Promise<VideoListResponseDto> {
    const reply = await this.rpc.send(Subjects.IngestListVideos, {
      caller,
      cursor: query.cursor ?? '',
      limit: query.limit ?? 50,
    });
    return VideoListResponseDto.from(reply);
  }

  async get(caller: Caller, videoId: string): Promise<VideoRecordDto> {
    return VideoRecordDto.from(await this.rpc.send(Subjects.IngestGetVideo, { caller, videoId }));
  }

  async remove(caller: Caller, videoId: string): Promise<DeleteVideoResponseDto> {
    return DeleteVideoResponseDto.from(await this.rpc.send(Subjects.IngestDeleteVideo, { caller, videoId }));
  }
}
