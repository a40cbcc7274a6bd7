import { VideoFrameRefDto } from './images.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
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
import type { ClusterSearchResponse, SimilarSearchResponse } from '@lookalike/contracts';
import { ImageFilterDto, ImagePayloadDto, ULID_PATTERN } from './common.dto';

/** Multipart forms send every field as text; this turns "true"/"3" back into values. */
const fromForm =
  (kind: 'number' | 'boolean' | 'json') =>
  ({ value }: { value: unknown }) => {
    if (typeof value !== 'string') {
      return value;
    }
    if (kind === 'number') {
      return value.trim() === '' ? undefined : Number(value);
    }
    if (kind === 'boolean') {
      return value === 'true' ? true : value === 'false' ? false : value;
    }
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  };

export class SimilarSearchRequestDto {
  @ApiPropertyOptional({
    description: 'Query by a stored image (its stored vector is used)',
    example: '01JD5Z8Q4R6T9V2W3X4Y5Z6A7B',
  })
  @IsOptional()
  @Matches(ULID_PATTERN)
  image_id?: string;

  @ApiPropertyOptional({
    description: 'Query by text (needs a model with a text encoder, see GET /api/models)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  text_query?: string;

  @ApiPropertyOptional({
    type: [Number],
    description: "Query by a raw vector of the active model's dimension",
  })
  @IsOptional()
  @Transform(fromForm('json'))
  @IsArray()
  @ArrayMaxSize(4096)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  vector?: number[];

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 20, example: 20 })
  @IsOptional()
  @Transform(fromForm('number'))
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 10000, default: 0 })
  @IsOptional()
  @Transform(fromForm('number'))
  @IsInt()
  @Min(0)
  @Max(10000)
  offset?: number;

  @ApiPropertyOptional({
    minimum: -1,
    maximum: 1,
    description: 'Only hits with at least this cosine similarity',
  })
  @IsOptional()
  @Transform(fromForm('number'))
  @IsNumber()
  @Min(-1)
  @Max(1)
  score_threshold?: number;

  @ApiPropertyOptional({ type: ImageFilterDto })
  @IsOptional()
  // @Type runs before @Transform, so a filter parsed from a multipart text field is still a plain
  // object here; it is made an ImageFilterDto so its fields are validated (and whitelisted).
  @Transform(({ value }: { value: unknown }) => {
    const parsed = fromForm('json')({ value });
    return parsed && typeof parsed === 'object' && !(parsed instanceof ImageFilterDto)
      ? plainToInstance(ImageFilterDto, parsed)
      : parsed;
  })
  @ValidateNested()
  @Type(() => ImageFilterDto)
  filter?: ImageFilterDto;

  @ApiPropertyOptional({
    default: false,
    description: 'Also match salient crops; merged by max score per image',
  })
  @IsOptional()
  @Transform(fromForm('boolean'))
  @IsBoolean()
  use_crops?: boolean;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 32,
    description: 'Max pHash Hamming distance: hash candidates first, then vector rerank',
  })
  @IsOptional()
  @Transform(fromForm('number'))
  @IsInt()
  @Min(0)
  @Max(32)
  phash_gate?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(fromForm('boolean'))
  @IsBoolean()
  include_payload?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 4096, description: 'HNSW search breadth (recall vs latency)' })
  @IsOptional()
  @Transform(fromForm('number'))
  @IsInt()
  @Min(1)
  @Max(4096)
  ef?: number;

  @ApiPropertyOptional({
    description: 'Leave the query image out of the hits (default true for image_id queries)',
  })
  @IsOptional()
  @Transform(fromForm('boolean'))
  @IsBoolean()
  exclude_self?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Collapse exact/near copies of a hit into one row' })
  @IsOptional()
  @Transform(fromForm('boolean'))
  @IsBoolean()
  group_duplicates?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Best frame per video: of the kept frames of one video only the best-ranked is returned (video_frames counts the others); stills are unaffected',
  })
  @IsOptional()
  @Transform(fromForm('boolean'))
  @IsBoolean()
  group_by_video?: boolean;

  @ApiPropertyOptional({
    description:
      'Verify the top candidates geometrically against the query image (local features) and put verified copies first, most inliers first; the rest keep score order. Image queries only (image_id or a file). When omitted: off, unless the deployment sets SEARCH_VERIFY_DEFAULT_MAX_LIMIT (then on for image queries with limit at most that). Verifies the first max(3 x (offset + limit), SEARCH_VERIFY_MIN_CANDIDATES (90)) candidates, at most SEARCH_VERIFY_MAX_CANDIDATES (120), so offset + limit may reach at most that with verify: true; plus up to 30 images whose pHash (or its mirrored or turned variants) is within 20 bits of the query hash, and then the candidates still unverified against the two verified hits with the most inliers (a copy of a copy: evidence.via_image_id). Costs about 5 ms of one worker thread per pair not verified before (about 0.4 s per query at the defaults); when verification cannot run (LOCAL_FEATURES=false, busy workers) the hits come back in score order with verified: false',
  })
  @IsOptional()
  @Transform(fromForm('boolean'))
  @IsBoolean()
  verify?: boolean;
}

export class SimilarSearchUploadDto extends SimilarSearchRequestDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'Query image (embedded on the fly, never stored)',
  })
  file!: unknown;
}

export class HitEvidenceDto {
  @ApiProperty({ description: 'RANSAC inliers of the local-feature matches' }) inliers!: number;
  @ApiProperty({ description: "Share of the hit's area that the query covers once warped (0..1)" })
  coverage!: number;
  @ApiProperty({ description: 'The query matched as its mirror image' }) mirrored!: boolean;
  @ApiPropertyOptional({
    description:
      "Set when the hit was verified against this other verified hit (a copy of a copy of the query), not against the query itself; the numbers above are then that pair's",
  })
  via_image_id?: string;
}

export class SearchHitDto {
  @ApiProperty() image_id!: string;
  @ApiProperty({ description: 'Cosine similarity' }) score!: number;
  @ApiPropertyOptional({ type: ImagePayloadDto }) payload?: ImagePayloadDto;
  @ApiProperty() preview_url!: string;
  @ApiProperty() thumbnail_url!: string;
  @ApiPropertyOptional({ type: [String], description: 'Copies collapsed into this hit (group_duplicates)' })
  duplicates?: string[];
  @ApiProperty({
    description:
      'Geometrically verified against the query image: the same pixels, however cropped, scaled, turned or mirrored. False when the hit was not verified or verification was off',
  })
  verified!: boolean;
  @ApiPropertyOptional({ type: HitEvidenceDto, description: 'The geometric check, for verified hits' })
  evidence?: HitEvidenceDto;
  @ApiPropertyOptional({
    type: VideoFrameRefDto,
    description: 'When the hit is a kept frame of a video: the video and the time to play it from',
  })
  video?: VideoFrameRefDto;
  @ApiPropertyOptional({
    description:
      'With group_by_video, on a frame hit: frames of its video among the candidates, this one included',
  })
  video_frames?: number;
}

export class SimilarSearchResponseDto {
  @ApiProperty({ description: 'Quote it in feedback to link a verdict to this query' }) query_id!: string;
  @ApiProperty() model_name!: string;
  @ApiProperty({ type: [SearchHitDto] }) hits!: SearchHitDto[];

  static from(r: SimilarSearchResponse): SimilarSearchResponseDto {
    return {
      query_id: r.queryId,
      model_name: r.modelName,
      hits: r.hits.map((h) => ({
        image_id: h.imageId,
        score: h.score,
        payload: h.payload ? ImagePayloadDto.from(h.payload) : undefined,
        preview_url: h.previewUrl,
        thumbnail_url: h.thumbnailUrl,
        duplicates: h.duplicates.length > 0 ? h.duplicates : undefined,
        verified: h.verified,
        evidence: h.evidence
          ? {
              inliers: h.evidence.inliers,
              coverage: h.evidence.coverage,
              mirrored: h.evidence.mirrored,
              via_image_id: h.evidence.viaImageId || undefined,
            }
          : undefined,
        video: h.video
          ? {
              video_id: h.video.videoId,
              frame_index: h.video.frameIndex,
              t_ms: h.video.tMs,
              shot_id: h.video.shotId,
            }
          : undefined,
        video_frames: h.videoFrames > 0 ? h.videoFrames : undefined,
      })),
    };
  }
}

export class ClusterRequestDto {
  @ApiPropertyOptional({ type: [String], maxItems: 5000 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5000)
  @Matches(ULID_PATTERN, { each: true })
  image_ids?: string[];

  @ApiPropertyOptional({ type: ImageFilterDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ImageFilterDto)
  filter?: ImageFilterDto;

  @ApiPropertyOptional({ minimum: 2, maximum: 5000, default: 500 })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(5000)
  limit?: number;

  @ApiPropertyOptional({ enum: ['agglomerative'], default: 'agglomerative' })
  @IsOptional()
  @IsIn(['agglomerative'])
  method?: string;

  @ApiPropertyOptional({ enum: ['average', 'complete', 'single'], default: 'average' })
  @IsOptional()
  @IsIn(['average', 'complete', 'single'])
  linkage?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 2,
    default: 0.25,
    description: 'Cosine distance at which the tree is cut',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  threshold?: number;

  @ApiPropertyOptional({
    default: false,
    description:
      'Run as a job (202 with job_id) however few the points; requests of more points than the inline maximum (SEARCH_CLUSTER_INLINE_MAX, default 1000) always do',
  })
  @IsOptional()
  @IsBoolean()
  async?: boolean;
}

export class ClusterMemberDto {
  @ApiProperty() image_id!: string;
  @ApiProperty({ description: 'Cosine similarity to the representative' }) score!: number;
}

export class ClusterDto {
  @ApiProperty() cluster_id!: string;
  @ApiProperty({ type: [ClusterMemberDto] }) members!: ClusterMemberDto[];
  @ApiProperty({ description: 'The medoid of the cluster' }) representative!: string;
}

/** The inline answer; a cluster job's `result` (GET /api/jobs/{id}) has the same shape. */
export class ClusterResponseDto {
  @ApiProperty({ type: [ClusterDto] }) clusters!: ClusterDto[];

  static from(r: ClusterSearchResponse): ClusterResponseDto {
    return {
      clusters: r.clusters.map((c) => ({
        cluster_id: c.clusterId,
        representative: c.representative,
        members: c.members.map((m) => ({ image_id: m.imageId, score: m.score })),
      })),
    };
  }
}
