import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  Subjects,
  type BatchIngestRequest,
  type ImageDeleteRequest,
  type ImageDeleteResponse,
  type ImageGetRequest,
  type ImageIngestRequest,
  type ImageIngestResponse,
  type ImageListRequest,
  type ImageListResponse,
  type ImagePresignRequest,
  type ImagePresignResponse,
  type ImageRecord,
  type ImageUpdateRequest,
  type Job,
  type JobGetRequest,
  type JobRef,
  type ReindexStartRequest,
  type SamplesLoadRequest,
  type VideoDeleteResponse,
  type VideoGetRequest,
  type VideoIngestResponse,
  type VideoListRequest,
  type VideoListResponse,
  type VideoRecord,
} from '@lookalike/contracts';
import { BatchIngestService } from '../services/batch-ingest.service';
import { ImagesService } from '../services/images.service';
import { IngestService } from '../services/ingest.service';
import { SampleImagesService } from '../services/sample-images.service';
import { VideoIngestService } from '../services/video-ingest.service';

// Also bound here: over NATS the global filter is registered after the handlers exist, so typed
// errors would reach the caller as `internal`.
@Controller()
export class IngestController {
  constructor(
    private readonly ingest: IngestService,
    private readonly images: ImagesService,
    private readonly batches: BatchIngestService,
    private readonly videos: VideoIngestService,
    private readonly samples: SampleImagesService,
  ) {}

  @MessagePattern(Subjects.IngestVideoPresign.name)
  presignVideo(@Payload() request: ImagePresignRequest): Promise<ImagePresignResponse> {
    return this.videos.presign(request);
  }

  @MessagePattern(Subjects.IngestVideoIngest.name)
  ingestVideo(@Payload() request: ImageIngestRequest): Promise<VideoIngestResponse> {
    return this.videos.ingest(request);
  }

  @MessagePattern(Subjects.IngestDeleteVideo.name)
  deleteVideo(@Payload() request: VideoGetRequest): Promise<VideoDeleteResponse> {
    return this.videos.remove(request.caller, request.videoId);
  }

  @MessagePattern(Subjects.IngestListVideos.name)
  listVideos(@Payload() request: VideoListRequest): Promise<VideoListResponse> {
    return this.videos.list(request.caller, request.cursor, request.limit);
  }

  @MessagePattern(Subjects.IngestGetVideo.name)
  getVideo(@Payload() request: VideoGetRequest): Promise<VideoRecord> {
    return this.videos.get(request.caller, request.videoId);
  }

  @MessagePattern(Subjects.IngestPresign.name)
  presign(@Payload() request: ImagePresignRequest): Promise<ImagePresignResponse> {
    return this.ingest.presign(request);
  }

  @MessagePattern(Subjects.IngestIngest.name)
  ingestImage(@Payload() request: ImageIngestRequest): Promise<ImageIngestResponse> {
    return this.ingest.ingest(request);
  }

  @MessagePattern(Subjects.IngestBatch.name)
  ingestBatch(@Payload() request: BatchIngestRequest): Promise<JobRef> {
    return this.batches.submit(request);
  }

  @MessagePattern(Subjects.IngestGetImage.name)
  getImage(@Payload() request: ImageGetRequest): Promise<ImageRecord> {
    return this.images.get(request);
  }

  @MessagePattern(Subjects.IngestListImages.name)
  listImages(@Payload() request: ImageListRequest): Promise<ImageListResponse> {
    return this.images.list(request);
  }

  @MessagePattern(Subjects.IngestUpdateImage.name)
  updateImage(@Payload() request: ImageUpdateRequest): Promise<ImageRecord> {
    return this.images.update(request);
  }

  @MessagePattern(Subjects.IngestDeleteImage.name)
  deleteImage(@Payload() request: ImageDeleteRequest): Promise<ImageDeleteResponse> {
    return this.images.remove(request);
  }

  @MessagePattern(Subjects.IngestGetJob.name)
  getJob(@Payload() request: JobGetRequest): Promise<Job> {
    return this.batches.getJob(request);
  }

  @MessagePattern(Subjects.IngestReindex.name)
  reindex(@Payload() request: ReindexStartRequest): Promise<JobRef> {
    return this.batches.reindex(request);
  }

  @MessagePattern(Subjects.IngestLoadSamples.name)
  loadSamples(@Payload() request: SamplesLoadRequest): Promise<JobRef> {
    return this.samples.load(request);
  }
}
