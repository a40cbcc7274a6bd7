import { Inject, Injectable } from '@nestjs/common';
import { Caller, ErrorCode, LookalikeError, Subjects } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { RpcClient } from '@lookalike/messaging';
import { toContractFilter } from '../dtos/common.dto';
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
} from '../dtos/images.dto';
import { JobRefDto } from '../dtos/common.dto';
import type { GatewayConfig } from '../gateway.config';
import { ObjectUploader } from './object-uploader';

export interface UploadedImage {
  buffer: Buffer;
  originalname: string;
  mimetype: string;
  size: number;
}

@Injectable()
export class ImagesService {
  constructor(
    private readonly rpc: RpcClient,
    private readonly uploader: ObjectUploader,
    @Inject(APP_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async presign(caller: Caller, dto: PresignRequestDto): Promise<PresignResponseDto> {
    const reply = await this.rpc.send(Subjects.IngestPresign, {
      caller,
      contentType: dto.content_type ?? '',
      filename: dto.filename ?? '',
      sizeBytes: dto.size_bytes ?? 0,
    });
    return PresignResponseDto.from(reply);
  }

  async ingest(caller: Caller, dto: IngestRequestDto): Promise<IngestResponseDto> {
    const reply = await this.rpc.send(Subjects.IngestIngest, {
      caller,
      bucket: dto.bucket,
      key: dto.key,
      tags: dto.tags ?? [],
      source: 'api',
    });
    return IngestResponseDto.from(reply);
  }

  /** presign + upload + ingest in one call: the bytes reach the store, never the transport. */
  async upload(
    caller: Caller,
    file: UploadedImage | undefined,
    tagsJson: string | undefined,
  ): Promise<IngestResponseDto> {
    requireFile(file);
    const tags = parseTags(tagsJson);
    const staged = await this.uploader.stage(caller, file);
    const reply = await this.rpc.send(Subjects.IngestIngest, {
      caller,
      bucket: staged.bucket,
      key: staged.key,
      tags,
      source: 'upload',
    });
    return IngestResponseDto.from(reply);
  }

  async loadSampleImages(caller: Caller): Promise<JobRefDto> {
    return JobRefDto.from((await this.rpc.send(Subjects.IngestLoadSamples, { caller })).jobId);
  }

  async ingestBatch(caller: Caller, dto: BatchIngestRequestDto): Promise<JobRefDto> {
    const reply = await this.rpc.send(Subjects.IngestBatch, {
      caller,
      items: dto.items.map((i) => ({ bucket: i.bucket, key: i.key, tags: i.tags ?? [] })),
    });
    return JobRefDto.from(reply.jobId);
  }

  async list(caller: Caller, query: ListImagesQueryDto): Promise<ImageListResponseDto> {
    const reply = await this.rpc.send(Subjects.IngestListImages, {
      caller,
      filter: toContractFilter(query),
      cursor: query.cursor ?? '',
      limit: query.limit ?? 50,
    });
    return { images: reply.images.map(ImageRecordDto.from), next_cursor: reply.nextCursor || undefined };
  }

  async get(caller: Caller, imageId: string): Promise<ImageRecordDto> {
    return ImageRecordDto.from(await this.rpc.send(Subjects.IngestGetImage, { caller, imageId }));
  }

  async update(caller: Caller, imageId: string, dto: UpdateImageDto): Promise<ImageRecordDto> {
    const reply = await this.rpc.send(Subjects.IngestUpdateImage, {
      caller,
      imageId,
      tags: dto.tags,
      replaceTags: dto.replace ?? true,
    });
    return ImageRecordDto.from(reply);
  }

  async remove(caller: Caller, imageId: string): Promise<DeleteImageResponseDto> {
    const reply = await this.rpc.send(Subjects.IngestDeleteImage, { caller, imageId });
    return { image_id: reply.imageId, deleted: reply.deleted };
  }

  get maxImageBytes(): number {
    return this.config.MAX_IMAGE_BYTES;
  }
}

/** The multipart `file` of a one-call upload: present and not empty, else 400. */
export function requireFile(file: UploadedImage | undefined): asserts file is UploadedImage {
  if (!file || file.size === 0) {
    throw new LookalikeError(
      ErrorCode.InvalidArgument,
      'the multipart field `file` is required and must not be empty',
      {
        details: { reason: 'empty' },
      },
    );
  }
}

export function parseTags(json: string | undefined): string[] {
  if (json === undefined || json.trim() === '') {
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw LookalikeError.invalid('`tags` must be a JSON array of strings', { field: 'tags' });
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 64)
  ) {
    throw LookalikeError.invalid(
      '`tags` must be a JSON array of non-empty strings of at most 64 characters',
      { field: 'tags' },
    );
  }
  return parsed as string[];
}
