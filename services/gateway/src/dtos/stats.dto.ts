import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { MapResponse, StatsResponse, TierStats } from '@lookalike/contracts';

export const STATS_WINDOWS = ['24h', '7d', '30d'] as const;

export class StatsQueryDto {
  @ApiPropertyOptional({
    enum: STATS_WINDOWS,
    default: '7d',
    description: 'Span of the series (hourly buckets for 24h, daily otherwise) and of the upload outcomes',
  })
  @IsOptional()
  @IsIn(STATS_WINDOWS)
  window?: string;
}

export class TierStatsDto {
  @ApiProperty() open_groups!: number;
  @ApiProperty() resolved_groups!: number;
  @ApiProperty({
    description:
      "Redundant copies in the tier's open groups: their images beyond one per set of overlapping groups (an image counts once)",
  })
  open_copies!: number;

  static from(t: TierStats | undefined): TierStatsDto {
    return {
      open_groups: t?.openGroups ?? 0,
      resolved_groups: t?.resolvedGroups ?? 0,
      open_copies: t?.openCopies ?? 0,
    };
  }
}

export class StatsPointDto {
  @ApiProperty({ format: 'date-time', description: 'Bucket start' }) t!: string;
  @ApiProperty({ description: 'Stills and videos stored' }) uploads!: number;
  @ApiProperty({ description: 'Duplicate groups found (images and videos)' }) duplicate_groups!: number;
  @ApiProperty({ description: 'Pair decisions and anomaly reviews' }) reviews!: number;
  @ApiProperty({ description: 'Open groups at the end of the bucket' }) backlog!: number;
}

export class LibraryStatsDto {
  @ApiProperty({ description: 'Images uploaded as images' }) stills!: number;
  @ApiProperty({ description: 'Kept frames of videos' }) frames!: number;
  @ApiProperty() videos!: number;
  @ApiProperty() indexed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ description: 'Stored, not indexed yet' }) processing!: number;
}

export class DuplicateStatsDto {
  @ApiProperty({ type: TierStatsDto }) exact!: TierStatsDto;
  @ApiProperty({ type: TierStatsDto }) near!: TierStatsDto;
  @ApiProperty({ type: TierStatsDto }) similar!: TierStatsDto;
  @ApiProperty({ description: 'Stills that are redundant copies in open exact or near groups' })
  copies!: number;
  @ApiProperty({ description: 'copies / stills (0..1): the cleanup left to do' }) rate!: number;
  @ApiProperty() open_groups!: number;
  @ApiProperty() resolved_groups!: number;
  @ApiProperty() open_video_groups!: number;
}

export class AnomalyQueueStatsDto {
  @ApiProperty({ description: 'Images at or above flag_score never reviewed' }) depth!: number;
  @ApiProperty({ description: 'Age of the oldest of them, seconds (0 when none)' })
  oldest_age_seconds!: number;
  @ApiProperty({ description: 'The combined anomaly score from which an image waits for review' })
  flag_score!: number;
}

export class ReviewStatsDto {
  @ApiProperty() last_hour!: number;
  @ApiProperty() last_24h!: number;
}

export class UploadOutcomesDto {
  @ApiProperty() created!: number;
  @ApiProperty({ description: 'Bytes the library held already' }) duplicate!: number;
  @ApiProperty({ description: 'Refused: a client error (type, size, limits)' }) rejected!: number;
  @ApiProperty({ description: 'Server-side failures' }) failed!: number;
}

export class StatsResponseDto {
  @ApiProperty({ format: 'date-time' }) generated_at!: string;
  @ApiProperty({ enum: STATS_WINDOWS }) window!: string;
  @ApiProperty({ enum: ['hour', 'day'] }) bucket!: string;
  @ApiProperty({ type: LibraryStatsDto }) library!: LibraryStatsDto;
  @ApiProperty({ type: DuplicateStatsDto }) duplicates!: DuplicateStatsDto;
  @ApiProperty({ type: AnomalyQueueStatsDto }) anomaly_queue!: AnomalyQueueStatsDto;
  @ApiProperty({ type: ReviewStatsDto }) reviews!: ReviewStatsDto;
  @ApiProperty({ type: UploadOutcomesDto, description: 'Upload answers within the window' })
  uploads!: UploadOutcomesDto;
  @ApiProperty({ type: [StatsPointDto], description: 'Oldest bucket first, the current one last' })
  series!: StatsPointDto[];

  static from(r: StatsResponse): StatsResponseDto {
    return {
      generated_at: r.generatedAt,
      window: r.window,
      bucket: r.bucket,
      library: {
        stills: r.stills,
        frames: r.frames,
        videos: r.videos,
        indexed: r.indexed,
        failed: r.failed,
        processing: r.processing,
      },
      duplicates: {
        exact: TierStatsDto.from(r.exact),
        near: TierStatsDto.from(r.near),
        similar: TierStatsDto.from(r.similar),
        copies: r.duplicateCopies,
        rate: r.duplicateRate,
        open_groups: r.openGroups,
        resolved_groups: r.resolvedGroups,
        open_video_groups: r.openVideoGroups,
      },
      anomaly_queue: {
        depth: r.anomalyQueueDepth,
        oldest_age_seconds: r.anomalyQueueAgeSeconds,
        flag_score: r.anomalyFlagScore,
      },
      reviews: { last_hour: r.reviewsLastHour, last_24h: r.reviewsLastDay },
      uploads: {
        created: r.uploadsCreated,
        duplicate: r.uploadsDuplicate,
        rejected: r.uploadsRejected,
        failed: r.uploadsFailed,
      },
      series: r.series.map((p) => ({
        t: p.t,
        uploads: p.uploads,
        duplicate_groups: p.duplicateGroups,
        reviews: p.reviews,
        backlog: p.backlog,
      })),
    };
  }
}

export class EmbeddingMapDto {
  @ApiProperty({
    enum: ['none', 'computing', 'ready'],
    description: 'none: never computed; computing: a job runs (a previous map may be here); ready',
  })
  status!: string;
  @ApiPropertyOptional({
    description: 'The job computing now, or the one that made this map (GET /api/jobs/{id})',
  })
  job_id?: string;
  @ApiPropertyOptional({ format: 'date-time' }) computed_at?: string;
  @ApiProperty({ example: 'umap' }) method!: string;
  @ApiProperty() model_name!: string;
  @ApiProperty({ description: 'Points of the library when computed' }) total_points!: number;
  @ApiProperty({ description: 'The map shows a uniform sample of total_points (SEARCH_MAP_MAX_POINTS)' })
  sampled!: boolean;
  @ApiProperty({ type: [String], description: 'One entry per point; every list below has the same order' })
  image_ids!: string[];
  @ApiProperty({ type: [Number], description: '0..1' }) x!: number[];
  @ApiProperty({ type: [Number], description: '0..1' }) y!: number[];
  @ApiProperty({ type: [Number], description: 'Combined anomaly score when computed; -1 unscored' })
  anomaly!: number[];
  @ApiProperty({
    type: [Number],
    description: 'Index into group_ids of the open image group, -1 none (current)',
  })
  group!: number[];
  @ApiProperty({ type: [String], description: "The image's first tag when computed, '' none" })
  tag!: string[];
  @ApiProperty({ type: [String] }) group_ids!: string[];
  @ApiProperty({ type: [String], description: 'Tier of each group_ids entry' }) group_kinds!: string[];

  static from(r: MapResponse): EmbeddingMapDto {
    return {
      status: r.status,
      job_id: r.jobId || undefined,
      computed_at: r.computedAt || undefined,
      method: r.method,
      model_name: r.modelName,
      total_points: r.totalPoints,
      sampled: r.sampled,
      image_ids: r.imageIds,
      x: r.x,
      y: r.y,
      anomaly: r.anomaly,
      group: r.group,
      tag: r.tag,
      group_ids: r.groupIds,
      group_kinds: r.groupKinds,
    };
  }
}
