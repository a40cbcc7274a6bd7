import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import {
  ErrorCode,
  LookalikeError,
  type Caller,
  type ImagePresignRequest,
  type ImagePresignResponse,
  type VideoDeleteResponse,
  type VideoRecord,
} from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import { inspectImage } from '@lookalike/imaging';
import { JOB_RUNNER, type JobRunner, type RunningJob } from '@lookalike/messaging';
import { assertKeyInTenant, OBJECT_STORE, type ObjectStore } from '@lookalike/object-store';
import {
  UPLOAD_SOURCES,
  ImageRepository,
  VideoRepository,
  type ImageSource,
  type VideoEntity,
} from '@lookalike/persistence';
import { pointIdFor, VECTOR_STORE, type VectorStore } from '@lookalike/vector-store';
import {
  assertVideoTools,
  detectVideoTools,
  extractKeyframes,
  mimeOfContainer,
  probeVideo,
  type KeyframeOptions,
  type VideoLimits,
  type VideoTools,
  type VideoToolsStatus,
  videoErrors,
} from '@lookalike/video';
import type { IngestConfig } from '../ingest.config';
import { imageLimits, ImagePipelineService } from './image-pipeline.service';
import { ImagesService, ULID } from './images.service';
import { IngestOutcomesService, outcomeOf } from './ingest-outcomes.service';
import { QualityLoopRepository } from '../repositories/quality-loop.repository';
import { JobKinds } from './ingest-jobs';
import { presignTenantUpload } from './presign-upload';
import { normaliseTags, ownerOf } from './ingest.service';

const VIDEO_EXTENSIONS: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'video/x-matroska': 'mkv',
};

export interface VideoIngestRequest {
  caller?: Caller;
  bucket?: string;
  key: string;
  tags: string[];
  source?: string;
}

export interface VideoIngestAnswer {
  videoId: string;
  status: 'created' | 'duplicate';
  /** The extraction job (`GET /api/jobs/{id}`); for a duplicate, the first upload's. */
  jobId: string;
}

export function videoLimits(config: IngestConfig): VideoLimits {
  return {
    maxBytes: config.MAX_VIDEO_BYTES,
    maxDurationMs: config.MAX_VIDEO_DURATION_SECONDS * 1000,
    maxFramePixels: config.MAX_VIDEO_FRAME_PIXELS,
    maxFrames: config.MAX_VIDEO_FRAMES,
    probeTimeoutMs: config.VIDEO_PROBE_TIMEOUT_MS,
    extractTimeoutMs: config.VIDEO_EXTRACT_TIMEOUT_MS,
  };
}

export function keyframeOptions(config: IngestConfig): KeyframeOptions {
  return {
    sceneThreshold: config.VIDEO_SCENE_THRESHOLD,
    minSpacingMs: config.VIDEO_MIN_SPACING_MS,
    maxGapMs: config.VIDEO_MAX_GAP_MS,
    maxPerMinute: config.VIDEO_MAX_FRAMES_PER_MINUTE,
    maxSide: 1024,
  };
}

/**
 * A frame's row identity: the video's content hash and the frame's index, not the frame JPEG's
 * hash, so a replayed extraction finds the frames it stored, and an identical frame in two videos
 * is a point in each (docs/video.md).
 */
export function frameSha256(videoSha256: string, frameIndex: number): string {
  return createHash('sha256').update(`${videoSha256}:frame:${frameIndex}`).digest('hex');
}

/**
 * A frame's object key: beside the video, with a stem of its own (`<video stem>-f0000050.jpg`),
 * so the frame's own derived objects (thumbnails, local features) do not collide across frames.
 */
export function frameObjectKey(videoKey: string, frameIndex: number): string {
  const slash = videoKey.lastIndexOf('/');
  const name = videoKey.slice(slash + 1);
  const dot = name.indexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${videoKey.slice(0, slash + 1)}${stem}-f${String(frameIndex).padStart(7, '0')}.jpg`;
}

/**
 * Video ingest (docs/video.md): an uploaded object is checked (ffmpeg present, size, container
 * from the bytes, streams and limits by ffprobe) before anything is written; a refused file is
 * deleted. An accepted video gets its row and a durable `video-extract` job, which keeps the
 * keyframes, stores each as an image object and runs it through the image pipeline as a frame of
 * the video (no duplicate check per frame), then records the shots and the poster. The job is
 * idempotent: frames are keyed by (video, frame index), so a replay after a crash continues.
 */
@Injectable()
export class VideoIngestService implements OnModuleInit {
  private readonly logger = new Logger(VideoIngestService.name);
  private tools?: Promise<VideoToolsStatus>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    @Inject(JOB_RUNNER) private readonly runner: JobRunner,
    @Inject(VECTOR_STORE) private readonly vectors: VectorStore,
    private readonly videos: VideoRepository,
    private readonly images: ImageRepository,
    private readonly pipeline: ImagePipelineService,
    private readonly imagesService: ImagesService,
    private readonly dedup: QualityLoopRepository,
    @Optional() private readonly tenantOutcomes?: IngestOutcomesService,
  ) {}

  onModuleInit(): void {
    this.runner.register(JobKinds.VideoExtract, (job) => this.extract(job), { concurrency: 1 });
    void this.toolsStatus().then((status) =>
      status.available
        ? this.logger.log(
            { ffmpeg: status.ffmpegVersion, ffprobe: status.ffprobeVersion },
            'video support ready',
          )
        : this.logger.warn(
            { missing: status.missing, reason: status.reason },
            'video support off: images only',
          ),
    );
  }

  /** Whether ffmpeg and ffprobe run here (checked once). */
  toolsStatus(): Promise<VideoToolsStatus> {
    this.tools ??= detectVideoTools({ ffmpeg: this.config.FFMPEG_PATH, ffprobe: this.config.FFPROBE_PATH });
    return this.tools;
  }

  async ingest(request: VideoIngestRequest): Promise<VideoIngestAnswer> {
    try {
      const answer = await this.ingestNow(request);
      this.tenantOutcomes?.record(request.caller?.ownerUserId ?? '', outcomeOf(answer.status));
      return answer;
    } catch (error) {
      this.tenantOutcomes?.record(request.caller?.ownerUserId ?? '', outcomeOf(error));
      throw error;
    }
  }

  private async ingestNow(request: VideoIngestRequest): Promise<VideoIngestAnswer> {
    const owner = ownerOf(request.caller);
    if (request.bucket && request.bucket !== this.objects.bucket) {
      throw LookalikeError.notFound('bucket', request.bucket);
    }
    assertKeyInTenant(owner, request.key);
    const tags = normaliseTags(request.tags);
    const source: ImageSource = (UPLOAD_SOURCES as readonly string[]).includes(request.source ?? '')
      ? (request.source as ImageSource)
      : 'api';
    const head = await this.objects.head(request.key);
    if (!head) throw LookalikeError.notFound('object', request.key);
    const dir = await mkdtemp(join(tmpdir(), 'lookalike-video-'));
    try {
      const checked = await this.rejectingBadInput(request.key, async () => {
        const tools = assertVideoTools(await this.toolsStatus());
        if (head.size > this.config.MAX_VIDEO_BYTES)
          throw videoErrors.tooLarge(head.size, this.config.MAX_VIDEO_BYTES);
        const { file, sha256 } = await this.download(request.key, dir);
        return { sha256, info: await probeVideo(tools, file, videoLimits(this.config)) };
      });
      const { info, sha256 } = checked;
      const inserted = await this.videos.insertIfAbsent({
        ownerUserId: owner,
        sha256,
        bucket: this.objects.bucket,
        key: request.key,
        sizeBytes: info.sizeBytes,
        source,
        tags,
        container: info.container,
        codec: info.codec,
        durationMs: info.durationMs,
        fps: info.fps,
        width: info.width,
        height: info.height,
        frameCount: info.frameCount,
        hasAudio: info.hasAudio,
      });
      let video = inserted.video;
      if (inserted.status === 'duplicate' && video.key !== request.key) {
        // The owner holds these bytes already: the second copy is dropped.
        await this.objects.delete(request.key);
        return { videoId: video.videoId, status: 'duplicate', jobId: video.jobId ?? '' };
      }
      if (!video.jobId) {
        const job = await this.runner.submit({
          ownerUserId: owner,
          kind: JobKinds.VideoExtract,
          payload: { videoId: video.videoId },
          total: 0,
          maxAttempts: 5,
          idempotencyKey: `video-extract:${video.videoId}`,
        });
        video = await this.videos.transition(owner, video.videoId, 'extracting', { jobId: job.jobId });
      }
      return { videoId: video.videoId, status: 'created', jobId: video.jobId ?? '' };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A presigned upload under the caller's prefix, signed with the video size limit. */
  presign(request: ImagePresignRequest): Promise<ImagePresignResponse> {
    return presignTenantUpload(this.objects, ownerOf(request.caller), request, {
      what: 'video',
      maxBytes: this.config.MAX_VIDEO_BYTES,
      expiresInSeconds: this.config.PRESIGN_EXPIRES_SECONDS,
      extensions: VIDEO_EXTENSIONS,
    });
  }

  /** The caller's videos, newest first (without frames and URLs). */
  async list(
    caller: Caller | undefined,
    cursor: string,
    limit: number,
  ): Promise<{ videos: VideoRecord[]; nextCursor: string }> {
    const owner = ownerOf(caller);
    const page = await this.videos.list(owner, { cursor: cursor || undefined, limit: limit || undefined });
    return {
      videos: page.items
        .filter((v) => v.status !== 'deleting')
        .map((v) => ({ ...videoFields(v), frames: [], videoUrl: '' })),
      nextCursor: page.nextCursor ?? '',
    };
  }

  /** The video with its shots, its frames in time order and signed URLs (the video, frame thumbnails). */
  async get(caller: Caller | undefined, videoId: string): Promise<VideoRecord> {
    const owner = ownerOf(caller);
    const video = await this.mustFind(owner, videoId);
    const expiresInSeconds = this.config.URL_EXPIRES_SECONDS;
    const frames = await this.videos.frames(owner, videoId);
    return {
      ...videoFields(video),
      frames: await Promise.all(
        frames.map(async (frame) => ({
          imageId: frame.imageId,
          frameIndex: frame.frameIndex ?? 0,
          tMs: frame.tMs ?? 0,
          shotId: frame.shotId ?? 0,
          thumbnailUrl: frame.thumb256Key
            ? await this.objects.presignDownload({ key: frame.thumb256Key, expiresInSeconds })
            : '',
        })),
      ),
      // Served with the type read from the bytes at upload, never the one the uploader claimed
      // (the stored object keeps the claimed one: rewriting a video of gigabytes is not worth it).
      videoUrl: await this.objects.presignDownload({
        key: video.key,
        expiresInSeconds,
        contentType: mimeOfContainer(video.container),
      }),
    };
  }

  /**
   * Deletes a video whole: the row moves to `deleting` (a crash part-way is finished by
   * reconciliation), the dedup service takes it out of its open groups, then its frames go the
   * images' way (vectors in one call, objects, rows), then the original and the row.
   */
  async remove(caller: Caller | undefined, videoId: string): Promise<VideoDeleteResponse> {
    const owner = ownerOf(caller);
    const video = await this.mustFind(owner, videoId);
    await this.videos.transition(owner, videoId, 'deleting');
    await this.dedup
      .forgetVideo(owner, videoId)
      .catch((cause: unknown) => this.logger.warn({ cause, videoId }, 'video groups not updated'));
    const frames = await this.purge(video);
    return { videoId, deleted: true, framesDeleted: frames };
  }

  /** Frames (each marked `deleting` first), then the original and the row; every step idempotent. */
  async purge(video: VideoEntity): Promise<number> {
    const owner = video.ownerUserId;
    const frames = await this.videos.markFramesDeleting(owner, video.videoId);
    await this.vectors.delete(
      owner,
      frames.map((f) => pointIdFor(owner, f.sha256)),
    );
    for (const frame of frames) await this.imagesService.purge(frame, { vectorsGone: true });
    await this.objects.delete(video.key);
    await this.videos.remove(owner, video.videoId);
    this.logger.log({ videoId: video.videoId, frames: frames.length }, 'video deleted');
    return frames.length;
  }

  /** The extraction job: keyframes -> frame images through the pipeline -> shots and poster. */
  private async extract({ job, signal, progress }: RunningJob): Promise<Record<string, unknown>> {
    const owner = job.ownerUserId;
    const videoId = String(job.payload.videoId ?? '');
    const video = await this.videos.findById(owner, videoId);
    if (!video || video.status === 'deleting') return { skipped: 'video gone' };
    // A replay after the frames were done only asks for the video's groups again.
    if (video.status === 'indexed') return { frames: video.framesDone, ...(await this.groups(video)) };
    const tools: VideoTools = assertVideoTools(await this.toolsStatus());
    const dir = await mkdtemp(join(tmpdir(), 'lookalike-video-'));
    try {
      const { file } = await this.download(video.key, dir);
      // The probe ran at upload: its duration and rate are in the row.
      const { keyframes, shots } = await extractKeyframes(
        tools,
        file,
        video,
        keyframeOptions(this.config),
        videoLimits(this.config),
      );
      await this.videos.transition(owner, videoId, 'extracting', { framesTotal: keyframes.length, shots });
      await progress({ total: keyframes.length });
      let poster: string | undefined;
      for (const [i, frame] of keyframes.entries()) {
        if (signal.aborted) throw new Error('the extraction lost its lease');
        const key = frameObjectKey(video.key, frame.frameIndex);
        const imageInfo = await inspectImage(frame.jpeg, imageLimits(this.config));
        const { image } = await this.images.insertIfAbsent({
          ownerUserId: owner,
          sha256: frameSha256(video.sha256, frame.frameIndex),
          bucket: this.objects.bucket,
          key,
          sizeBytes: frame.jpeg.length,
          source: 'video',
          tags: video.tags,
          width: imageInfo.width,
          height: imageInfo.height,
          format: imageInfo.format,
          frame: { videoId, frameIndex: frame.frameIndex, tMs: frame.tMs, shotId: frame.shotId },
        });
        if (image.status !== 'indexed') {
          await this.objects.put(key, frame.jpeg, { contentType: imageInfo.mime });
          await this.pipeline.run(image, frame.jpeg, {
            duplicateCheck: false,
            phashGrid: imageInfo.phashGrid,
          });
        }
        poster ??= image.imageId;
        await this.videos.update(owner, videoId, { framesDone: i + 1 });
        await progress({ done: i + 1 });
      }
      await this.videos.transition(owner, videoId, 'indexed', {
        posterImageId: poster ?? null,
        framesDone: keyframes.length,
        error: null,
      });
      this.logger.log({ videoId, frames: keyframes.length, shots: shots.length }, 'video indexed');
      return { frames: keyframes.length, shots: shots.length, ...(await this.groups(video)) };
    } catch (error) {
      if (error instanceof LookalikeError && error.code !== ErrorCode.Unavailable) {
        // The video cannot be extracted (it was checked at upload, so this is rare): say why.
        await this.videos
          .transition(owner, videoId, 'failed', { error: error.message.slice(0, 2000) })
          .catch(() => undefined);
      }
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The dedup service's near-duplicate groups of an indexed video; a failure retries the job. */
  private async groups(video: VideoEntity): Promise<{ groups: number }> {
    const { groupIds } = await this.dedup.checkVideo(video.ownerUserId, video.videoId);
    return { groups: groupIds.length };
  }

  /** The owner's video (not being deleted), else not_found (an id that is no ULID included). */
  private async mustFind(owner: string, videoId: string): Promise<VideoEntity> {
    const video = ULID.test(videoId) ? await this.videos.findById(owner, videoId) : null;
    if (!video || video.status === 'deleting') throw LookalikeError.notFound('video', videoId);
    return video;
  }

  /** Runs a check; a client error (4xx) deletes the uploaded object first: nothing is left behind. */
  private async rejectingBadInput<T>(key: string, check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      if (
        error instanceof LookalikeError &&
        error.code !== ErrorCode.Unavailable &&
        error.code !== ErrorCode.NotFound
      ) {
        await this.objects
          .delete(key)
          .catch((cause: unknown) => this.logger.warn({ cause, key }, 'could not delete a rejected video'));
      }
      throw error;
    }
  }

  /** Streams the object to a file in `dir`, hashing it on the way. */
  private async download(key: string, dir: string): Promise<{ file: string; sha256: string }> {
    const file = join(dir, 'video');
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await streamPipeline(await this.objects.get(key), tap, createWriteStream(file));
    return { file, sha256: hash.digest('hex') };
  }
}

/** A video row as the contract carries it (without frames and URLs). */
function videoFields(video: VideoEntity): Omit<VideoRecord, 'frames' | 'videoUrl'> {
  return {
    videoId: video.videoId,
    status: video.status,
    container: video.container,
    codec: video.codec,
    durationMs: video.durationMs,
    fps: video.fps,
    width: video.width,
    height: video.height,
    frameCount: video.frameCount,
    hasAudio: video.hasAudio,
    sizeBytes: video.sizeBytes,
    tags: [...video.tags],
    shots: video.shots.map((shot) => ({ ...shot })),
    posterImageId: video.posterImageId ?? '',
    framesTotal: video.framesTotal,
    framesDone: video.framesDone,
    jobId: video.jobId ?? '',
    error: video.error ?? '',
    createdAt: video.createdAt.toISOString(),
  };
}
