import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import type { ImageFilter, ImagePayload, Job } from '@lookalike/contracts';

export const QUALITY_FLAGS = [
  'dark',
  'overexposed',
  'blurry',
  'low_information',
  'odd_aspect',
  'odd_size',
  'grayscale',
] as const;
/** `video`: a kept frame of a video (docs/video.md). */
export const SOURCES = ['upload', 'api', 'batch', 'video'] as const;
export const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.:/-]{0,63}$/u;
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** The filter language shared by search, listing and clustering (docs/API.md#filters). */
export class ImageFilterDto {
  @ApiPropertyOptional({ type: [String], description: 'Images with at least one of these tags' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG_PATTERN, { each: true })
  tags_any?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Images with all of these tags' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(TAG_PATTERN, { each: true })
  tags_all?: string[];

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after (inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  created_from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before (exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  created_to?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  min_quality?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 1,
    description: 'Only images whose nsfw_score is at most this',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  max_nsfw?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  min_anomaly?: number;

  @ApiPropertyOptional({ enum: QUALITY_FLAGS, isArray: true, description: 'Quality flags that must be set' })
  @IsOptional()
  @IsArray()
  @IsIn(QUALITY_FLAGS, { each: true })
  flags_all?: string[];

  @ApiPropertyOptional({
    enum: QUALITY_FLAGS,
    isArray: true,
    description: 'Quality flags that must not be set',
  })
  @IsOptional()
  @IsArray()
  @IsIn(QUALITY_FLAGS, { each: true })
  flags_none?: string[];

  @ApiPropertyOptional({ enum: SOURCES, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(SOURCES, { each: true })
  sources?: string[];

  @ApiPropertyOptional({ pattern: '^[0-9a-f]{64}$' })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/)
  sha256?: string;
}

export function toContractFilter(dto: ImageFilterDto | undefined): Partial<ImageFilter> | undefined {
  if (!dto) {
    return undefined;
  }
  return {
    tagsAny: dto.tags_any ?? [],
    tagsAll: dto.tags_all ?? [],
    createdFrom: dto.created_from,
    createdTo: dto.created_to,
    minQuality: dto.min_quality,
    maxNsfw: dto.max_nsfw,
    minAnomaly: dto.min_anomaly,
    flagsAll: dto.flags_all ?? [],
    flagsNone: dto.flags_none ?? [],
    sources: dto.sources ?? [],
    sha256: dto.sha256,
  };
}

export class ImagePayloadDto {
  @ApiProperty() image_id!: string;
  @ApiProperty() owner_user_id!: string;
  @ApiProperty() bucket!: string;
  @ApiProperty() key!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty({ description: '64-bit perceptual hash, 16 hex digits' }) phash!: string;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty() format!: string;
  @ApiProperty({ enum: SOURCES }) source!: string;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty() model_name!: string;
  @ApiProperty() model_version!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) quality_score!: number;
  @ApiProperty({ enum: QUALITY_FLAGS, isArray: true }) quality_flags!: string[];
  @ApiProperty({ minimum: 0, maximum: 1 }) nsfw_score!: number;
  @ApiProperty({ minimum: 0, maximum: 1 }) anomaly_score!: number;
  @ApiProperty() size_bytes!: number;

  static from(p: ImagePayload): ImagePayloadDto {
    return {
      image_id: p.imageId,
      owner_user_id: p.ownerUserId,
      bucket: p.bucket,
      key: p.key,
      sha256: p.sha256,
      phash: p.phash,
      width: p.width,
      height: p.height,
      format: p.format,
      source: p.source,
      tags: p.tags,
      created_at: p.createdAt,
      model_name: p.modelName,
      model_version: p.modelVersion,
      quality_score: p.qualityScore,
      quality_flags: p.qualityFlags,
      nsfw_score: p.nsfwScore,
      anomaly_score: p.anomalyScore,
      size_bytes: p.sizeBytes,
    };
  }
}

export class JobFailureDto {
  @ApiProperty() item!: string;
  @ApiProperty() code!: string;
  @ApiProperty() reason!: string;
}

export class JobRefDto {
  @ApiProperty() job_id!: string;
  @ApiProperty({ description: 'Where to poll the job', example: '/api/jobs/01JD5Z8Q4R6T9V2W3X4Y5Z6A7B' })
  status_url!: string;

  static from(jobId: string): JobRefDto {
    return { job_id: jobId, status_url: `/api/jobs/${jobId}` };
  }
}

/** A request that runs as a job: JobAcceptedInterceptor answers it 202 with `Location: status_url`. */
export class JobAccepted {
  constructor(readonly job: JobRefDto) {}

  static of(jobId: string): JobAccepted {
    return new JobAccepted(JobRefDto.from(jobId));
  }
}

export class JobDto {
  @ApiProperty() job_id!: string;
  @ApiProperty({
    enum: ['ingest-batch', 'video-extract', 'dedup-scan', 'anomaly-recompute', 'reindex', 'cluster'],
  })
  kind!: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }) state!: string;
  @ApiProperty() done!: number;
  @ApiProperty() total!: number;
  @ApiProperty({ type: [JobFailureDto] }) failures!: JobFailureDto[];
  @ApiPropertyOptional() error?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Kind-specific result, once succeeded; a cluster job holds {clusters} as POST /api/search/cluster answers inline',
  })
  result?: unknown;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When a worker first took the job' })
  started_at?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When it succeeded, failed or was cancelled' })
  finished_at?: string;
  @ApiProperty({ description: 'Items that failed so far (the length of `failures`)' }) failed!: number;
  @ApiPropertyOptional({
    description: 'Items done per second since the job started (until it finished)',
  })
  items_per_second?: number;
  @ApiPropertyOptional({
    description: 'Seconds left at that rate, while the job runs and has done at least one item',
  })
  eta_seconds?: number;

  static from(job: Job, now: Date = new Date()): JobDto {
    return {
      ...jobProgress(job, now),
      job_id: job.jobId,
      kind: job.kind,
      state: job.state,
      done: job.done,
      total: job.total,
      failures: job.failures.map((f) => ({ item: f.item, code: f.code, reason: f.reason })),
      error: job.error || undefined,
      result: job.resultJson ? (JSON.parse(job.resultJson) as unknown) : undefined,
      created_at: job.createdAt,
      updated_at: job.updatedAt,
      started_at: job.startedAt || undefined,
      finished_at: job.finishedAt || undefined,
    };
  }
}

/** Rate and time left of a job from its counts and timestamps. */
export function jobProgress(
  job: Pick<Job, 'state' | 'done' | 'total' | 'failures' | 'startedAt' | 'finishedAt'>,
  now: Date,
): { failed: number; items_per_second?: number; eta_seconds?: number } {
  const failed = job.failures.length;
  const started = job.startedAt ? Date.parse(job.startedAt) : NaN;
  if (!Number.isFinite(started) || job.done <= 0) return { failed };
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now.getTime();
  const seconds = Math.max((end - started) / 1000, 1e-3);
  const rate = job.done / seconds;
  const itemsPerSecond = Math.round(rate * 100) / 100;
  if (job.state !== 'running' || job.total <= job.done) return { failed, items_per_second: itemsPerSecond };
  return { failed, items_per_second: itemsPerSecond, eta_seconds: Math.ceil((job.total - job.done) / rate) };
}

export class ProblemDto {
  @ApiProperty({ example: 'https://lookalike.dev/problems/invalid_argument' }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() status!: number;
  @ApiProperty() detail!: string;
  @ApiProperty() code!: string;
  @ApiPropertyOptional() request_id?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) errors?: unknown;
}

export class CursorQueryDto {
  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(1)
  @Max(200)
  limit?: number;
}
