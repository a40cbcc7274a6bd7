import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  VideoDeleteResponse,
  VideoDuplicatesResponse,
  VideoIngestResponse,
  VideoListResponse,
  VideoRecord,
} from '@lookalike/contracts';

export class VideoIngestResponseDto {
  @ApiProperty() video_id!: string;
  @ApiProperty({ enum: ['created', 'duplicate'], description: 'duplicate: you stored these bytes already' })
  status!: string;
  @ApiProperty({ description: 'The frame extraction job (for a duplicate, the first upload’s)' })
  job_id!: string;
  @ApiProperty({
    description: 'Where to poll the extraction',
    example: '/api/jobs/01JD5Z8Q4R6T9V2W3X4Y5Z6A7B',
  })
  status_url!: string;

  static from(r: VideoIngestResponse): VideoIngestResponseDto {
    return { video_id: r.videoId, status: r.status, job_id: r.jobId, status_url: `/api/jobs/${r.jobId}` };
  }
}

export class VideoShotDto {
  @ApiProperty() shot_id!: number;
  @ApiProperty({ description: 'Start of the shot in the video, ms' }) start_ms!: number;
  @ApiProperty({ description: 'Start of the next shot (or the end), ms' }) end_ms!: number;
  @ApiProperty({ description: 'Frame index of the shot’s first kept frame' }) frame_index!: number;
}

export class VideoFrameDto {
  @ApiProperty({ description: 'The frame’s image (GET /api/images/{id})' }) image_id!: string;
  @ApiProperty() frame_index!: number;
  @ApiProperty({ description: 'Time of the frame in the video, ms' }) t_ms!: number;
  @ApiProperty() shot_id!: number;
  @ApiProperty({ description: 'Signed 256 px thumbnail, short-lived' }) thumbnail_url!: string;
}

export class VideoRecordDto {
  @ApiProperty() video_id!: string;
  @ApiProperty({ enum: ['stored', 'extracting', 'indexed', 'failed', 'deleting'] }) status!: string;
  @ApiProperty({ enum: ['mp4', 'mov', 'webm', 'mkv'], description: 'Read from the bytes' })
  container!: string;
  @ApiProperty({ example: 'h264' }) codec!: string;
  @ApiProperty() duration_ms!: number;
  @ApiProperty() fps!: number;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty({ description: 'Frames in the stream' }) frame_count!: number;
  @ApiProperty() has_audio!: boolean;
  @ApiProperty() size_bytes!: number;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: [VideoShotDto] }) shots!: VideoShotDto[];
  @ApiProperty({ type: [VideoFrameDto], description: 'Kept frames in time order' }) frames!: VideoFrameDto[];
  @ApiProperty({ description: 'The first kept frame’s image id; empty until extracted' })
  poster_image_id!: string;
  @ApiProperty({ description: 'Kept frames found (0 until the extraction has run)' }) frames_total!: number;
  @ApiProperty({ description: 'Kept frames indexed so far' }) frames_done!: number;
  @ApiProperty() job_id!: string;
  @ApiProperty({ description: 'Why the extraction failed, when it did' }) error!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ description: 'Signed URL of the video, short-lived' }) video_url!: string;

  static from(r: VideoRecord): VideoRecordDto {
    return {
      video_id: r.videoId,
      status: r.status,
      container: r.container,
      codec: r.codec,
      duration_ms: r.durationMs,
      fps: r.fps,
      width: r.width,
      height: r.height,
      frame_count: r.frameCount,
      has_audio: r.hasAudio,
      size_bytes: r.sizeBytes,
      tags: r.tags,
      shots: r.shots.map((s) => ({
        shot_id: s.shotId,
        start_ms: s.startMs,
        end_ms: s.endMs,
        frame_index: s.frameIndex,
      })),
      frames: r.frames.map((f) => ({
        image_id: f.imageId,
        frame_index: f.frameIndex,
        t_ms: f.tMs,
        shot_id: f.shotId,
        thumbnail_url: f.thumbnailUrl,
      })),
      poster_image_id: r.posterImageId,
      frames_total: r.framesTotal,
      frames_done: r.framesDone,
      job_id: r.jobId,
      error: r.error,
      created_at: r.createdAt,
      video_url: r.videoUrl,
    };
  }
}

export class VideoDuplicateDto {
  @ApiProperty() video_id!: string;
  @ApiProperty({
    description:
      "The other video's time = this video's time + offset_ms (negative: the other starts later in this story, e.g. a trimmed copy)",
  })
  offset_ms!: number;
  @ApiProperty({ description: "Share of this video's duration covered by matched frames (0..1)" })
  matched_share!: number;
  @ApiProperty({ description: "Share of the other video's duration covered by matched frames (0..1)" })
  other_matched_share!: number;
  @ApiProperty() matched_frames!: number;
  @ApiProperty({ enum: ['exact', 'near', 'similar'], description: 'The tier of the pair (docs/video.md)' })
  kind!: string;
}

export class VideoDuplicatesResponseDto {
  @ApiProperty({ type: [VideoDuplicateDto], description: 'Best covered first' })
  duplicates!: VideoDuplicateDto[];

  static from(r: VideoDuplicatesResponse): VideoDuplicatesResponseDto {
    return {
      duplicates: r.duplicates.map((d) => ({
        video_id: d.videoId,
        offset_ms: d.offsetMs,
        matched_share: d.matchedShare,
        other_matched_share: d.otherMatchedShare,
        matched_frames: d.matchedFrames,
        kind: d.kind,
      })),
    };
  }
}

export class VideoListResponseDto {
  @ApiProperty({ type: [VideoRecordDto], description: 'Newest first; frames and video_url are empty here' })
  videos!: VideoRecordDto[];
  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page' }) next_cursor?: string;

  static from(r: VideoListResponse): VideoListResponseDto {
    return { videos: r.videos.map((v) => VideoRecordDto.from(v)), next_cursor: r.nextCursor || undefined };
  }
}

export class DeleteVideoResponseDto {
  @ApiProperty() video_id!: string;
  @ApiProperty() deleted!: boolean;
  @ApiProperty({ description: 'Kept frames deleted with it (their images, thumbnails and vectors)' })
  frames_deleted!: number;

  static from(r: VideoDeleteResponse): DeleteVideoResponseDto {
    return { video_id: r.videoId, deleted: r.deleted, frames_deleted: r.framesDeleted };
  }
}
