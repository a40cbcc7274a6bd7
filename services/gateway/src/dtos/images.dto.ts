import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { ImageIngestResponse, ImagePresignResponse, ImageRecord } from '@lookalike/contracts';
import { CursorQueryDto, ImagePayloadDto, QUALITY_FLAGS, SOURCES, TAG_PATTERN } from './common.dto';

const KEY_PATTERN = /^[A-Za-z0-9._-]{1,128}(\/[A-Za-z0-9._-]{1,128}){1,8}$/;

export class PresignRequestDto {
  @ApiPropertyOptional({
    example: 'image/jpeg',
    description: 'Declared type; the real type is read from the bytes at ingest',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  content_type?: string;

  @ApiPropertyOptional({ example: 'holiday.jpg' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  filename?: string;

  @ApiPropertyOptional({ description: 'Size the client intends to upload; refused when over the limit' })
  @IsOptional()
  @IsInt()
  @Min(1)
  size_bytes?: number;
}

export class PresignResponseDto {
  @ApiProperty() bucket!: string;
  @ApiProperty({ description: "Server-generated key under the caller's tenant prefix" }) key!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: ['PUT', 'POST'] }) method!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Form fields for a POST policy upload',
  })
  fields!: Record<string, string>;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty() max_bytes!: number;

  static from(r: ImagePresignResponse): PresignResponseDto {
    return {
      bucket: r.bucket,
      key: r.key,
      url: r.url,
      method: r.method,
      headers: r.headers,
      fields: r.fields,
      expires_at: r.expiresAt,
      max_bytes: r.maxBytes,
    };
  }
}

export class IngestRequestDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(63) bucket!: string;

  @ApiProperty({ description: 'A key returned by POST /api/images/presign' })
  @Matches(KEY_PATTERN)
  key!: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG_PATTERN, { each: true })
  tags?: string[];
}

export class NearDuplicateDto {
  @ApiProperty() image_id!: string;
  @ApiProperty({ enum: ['exact', 'near', 'similar'], description: "The dedup service's tier of the pair" })
  kind!: string;
  @ApiProperty({
    description: 'pHash Hamming distance (0-64), the smallest over the plain and mirrored/turned hashes',
  })
  hamming!: number;
  @ApiProperty({ description: 'Cosine similarity of the global embeddings (-1 when not comparable)' })
  cosine!: number;
}

export class IngestResponseDto {
  @ApiProperty() image_id!: string;
  @ApiProperty({ enum: ['created', 'duplicate'] }) status!: string;
  @ApiPropertyOptional({ description: 'The existing image with the same bytes' }) duplicate_of?: string;
  @ApiProperty({
    type: [NearDuplicateDto],
    description:
      'Images of the caller that the dedup service pairs with the new one (its tiers), strongest first, capped at INGEST_DUPLICATE_REPORT_LIMIT',
  })
  near_duplicates!: NearDuplicateDto[];
  @ApiProperty({
    enum: ['ok', 'unavailable', 'skipped'],
    description:
      'ok: near_duplicates is the dedup check of the new image; unavailable: the dedup service failed or did not answer in time, so near_duplicates is empty though copies may exist (the image is stored and indexed; the scheduled sweep still groups it); skipped: no check ran (status duplicate)',
  })
  duplicate_check!: string;

  static from(r: ImageIngestResponse): IngestResponseDto {
    return {
      image_id: r.imageId,
      status: r.status,
      duplicate_of: r.duplicateOf,
      near_duplicates: r.nearDuplicates.map((n) => ({
        image_id: n.imageId,
        kind: n.kind,
        hamming: n.hamming,
        cosine: n.cosine,
      })),
      duplicate_check: r.duplicateCheck,
    };
  }
}

export class UploadRequestDto {
  // Multer takes the file part out of the body; IsOptional whitelists the (then undefined) class field.
  @ApiProperty({ type: 'string', format: 'binary' }) @IsOptional() file?: unknown;

  @ApiPropertyOptional({ description: 'JSON array of tags, e.g. ["beach","2024"]', example: '["beach"]' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  tags?: string;
}

export class BatchIngestItemDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(63) bucket!: string;
  @ApiProperty() @Matches(KEY_PATTERN) key!: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG_PATTERN, { each: true })
  tags?: string[];
}

export class BatchIngestRequestDto {
  @ApiProperty({ type: [BatchIngestItemDto], maxItems: 10000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10000)
  @ValidateNested({ each: true })
  @Type(() => BatchIngestItemDto)
  items!: BatchIngestItemDto[];
}

const csv = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

/** GET /api/images: the filter language as query parameters (lists comma-separated). */
export class ListImagesQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ description: 'Comma-separated tags; any matches' })
  @IsOptional()
  @Transform(csv)
  @IsArray()
  @Matches(TAG_PATTERN, { each: true })
  tags_any?: string[];

  @ApiPropertyOptional({ description: 'Comma-separated tags; all must match' })
  @IsOptional()
  @Transform(csv)
  @IsArray()
  @Matches(TAG_PATTERN, { each: true })
  tags_all?: string[];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  created_from?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  created_to?: string;

  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1) min_quality?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1) max_nsfw?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsNumber() @Min(0) @Max(1) min_anomaly?: number;

  @ApiPropertyOptional({
    description: `Comma-separated quality flags that must be set (${QUALITY_FLAGS.join(', ')})`,
  })
  @IsOptional()
  @Transform(csv)
  @IsArray()
  @IsIn(QUALITY_FLAGS, { each: true })
  flags_all?: string[];

  @ApiPropertyOptional({ description: 'Comma-separated quality flags that must not be set' })
  @IsOptional()
  @Transform(csv)
  @IsArray()
  @IsIn(QUALITY_FLAGS, { each: true })
  flags_none?: string[];

  @ApiPropertyOptional({ description: `Comma-separated sources (${SOURCES.join(', ')})` })
  @IsOptional()
  @Transform(csv)
  @IsArray()
  @IsIn(SOURCES, { each: true })
  sources?: string[];
}

export class VideoFrameRefDto {
  @ApiProperty() video_id!: string;
  @ApiProperty() frame_index!: number;
  @ApiProperty({ description: 'Time of the frame in the video, ms' }) t_ms!: number;
  @ApiProperty() shot_id!: number;
}

export class ImageRecordDto {
  @ApiProperty() image_id!: string;
  @ApiProperty({ enum: ['stored', 'hashed', 'embedded', 'indexed', 'failed'] }) status!: string;
  @ApiProperty({ type: ImagePayloadDto }) payload!: ImagePayloadDto;
  @ApiProperty({ description: 'Short-lived signed URL of the original' }) preview_url!: string;
  @ApiProperty({ description: 'Short-lived signed URL of the 256 px WebP thumbnail' }) thumbnail_url!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiPropertyOptional({
    type: VideoFrameRefDto,
    description: 'Present when the image is a kept frame of a video',
  })
  video?: VideoFrameRefDto;

  static from(r: ImageRecord): ImageRecordDto {
    const payload = ImagePayloadDto.from(r.payload ?? ({} as never));
    return {
      image_id: payload.image_id,
      status: r.status,
      payload,
      preview_url: r.previewUrl,
      thumbnail_url: r.thumbnailUrl,
      updated_at: r.updatedAt,
      ...(r.video
        ? {
            video: {
              video_id: r.video.videoId,
              frame_index: r.video.frameIndex,
              t_ms: r.video.tMs,
              shot_id: r.video.shotId,
            },
          }
        : {}),
    };
  }
}

export class ImageListResponseDto {
  @ApiProperty({ type: [ImageRecordDto] }) images!: ImageRecordDto[];
  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page' })
  next_cursor?: string;
}

export class UpdateImageDto {
  @ApiProperty({ type: [String], description: 'The new tags' })
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG_PATTERN, { each: true })
  tags!: string[];

  @ApiPropertyOptional({ default: true, description: 'Replace the tags (true) or add to them (false)' })
  @IsOptional()
  @IsBoolean()
  replace?: boolean;
}

export class DeleteImageResponseDto {
  @ApiProperty() image_id!: string;
  @ApiProperty() deleted!: boolean;
}
