import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { Empty, Job, JobRef } from './generated/common/v1/common';
import {
  ImagesEmbedRequest,
  ImagesEmbedResponse,
  ModelInfoGetRequest,
  ModelInfoGetResponse,
  TextEmbedRequest,
  TextEmbedResponse,
} from './generated/embedding/v1/embedding';
import {
  BatchIngestRequest,
  ImageDeleteRequest,
  ImageDeleteResponse,
  ImageGetRequest,
  ImageIngestRequest,
  ImageIngestResponse,
  ImageListRequest,
  ImageListResponse,
  ImagePresignRequest,
  ImagePresignResponse,
  ImageRecord,
  ImageUpdateRequest,
  ImageUploadRequest,
  JobGetRequest,
  ReindexStartRequest,
  SamplesLoadRequest,
  VideoDeleteResponse,
  VideoGetRequest,
  VideoIngestResponse,
  VideoListRequest,
  VideoListResponse,
  VideoRecord,
} from './generated/ingest/v1/ingest';
import {
  ClusterSearchRequest,
  ClusterSearchResponse,
  SimilarSearchRequest,
  SimilarSearchResponse,
  MapRequest,
  MapResponse,
} from './generated/search/v1/search';
import {
  DecisionRecordRequest,
  GroupListRequest,
  GroupListResponse,
  GroupResolveRequest,
  GroupResolveResponse,
  VideoCheckRequest,
  VideoCheckResponse,
  VideoDuplicatesRequest,
  VideoDuplicatesResponse,
  ImageCheckRequest,
  ImageCheckResponse,
  ScanStartRequest,
  ThresholdsApplyRequest,
  ThresholdsApplyResponse,
  ThresholdsGetRequest,
  ThresholdsGetResponse,
  ThresholdsUndoRequest,
  ThresholdsUndoResponse,
} from './generated/dedup/v1/dedup';
import {
  AnomalyListRequest,
  AnomalyListResponse,
  AnomalyReviewRequest,
  AnomalyReviewResponse,
  ImageScoreRequest,
  RecomputeStartRequest,
  WeightsApplyRequest,
  WeightsApplyResponse,
  WeightsGetRequest,
  WeightsGetResponse,
  WeightsUndoResponse,
} from './generated/anomaly/v1/anomaly';
import {
  FeedbackCreateRequest,
  FeedbackCreateResponse,
  FeedbackListRequest,
  FeedbackListResponse,
  StatsRequest,
  StatsResponse,
  HardNegativesExportRequest,
  HardNegativesExportResponse,
} from './generated/feedback/v1/feedback';

/** The encode/decode pair ts-proto generates for every message. */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: DeepPartialOf<T>): T;
}

// ts-proto's DeepPartial is file-local; this is the structural equivalent callers need.
export type DeepPartialOf<T> = T extends Buffer
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartialOf<U>>
    : T extends object
      ? { [K in keyof T]?: DeepPartialOf<T[K]> }
      : T;

export const ServiceName = {
  Gateway: 'gateway',
  Ingest: 'ingest',
  Embedding: 'embedding',
  Search: 'search',
  Dedup: 'dedup',
  Anomaly: 'anomaly',
  Feedback: 'feedback',
} as const;
export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName];

export interface SubjectDef<Req, Res> {
  /** `<service>.v1.<action>`; the queue group is the service name. */
  readonly name: string;
  readonly service: ServiceName;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** Default time the caller waits for a reply. */
  readonly timeoutMs: number;
}

export type RequestOf<S> = S extends SubjectDef<infer Req, unknown> ? Req : never;
export type ResponseOf<S> = S extends SubjectDef<unknown, infer Res> ? Res : never;

function subject<Req, Res>(
  service: ServiceName,
  action: string,
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  timeoutMs = 10_000,
): SubjectDef<Req, Res> {
  return { name: `${service}.v1.${action}`, service, request, response, timeoutMs };
}

/** Every subject of the platform, in one place. */
export const Subjects = {
  EmbeddingEmbedImages: subject('embedding', 'embed-images', ImagesEmbedRequest, ImagesEmbedResponse, 60_000),
  EmbeddingEmbedText: subject('embedding', 'embed-text', TextEmbedRequest, TextEmbedResponse, 15_000),
  EmbeddingModelInfo: subject('embedding', 'model-info', ModelInfoGetRequest, ModelInfoGetResponse, 5_000),

  IngestPresign: subject('ingest', 'presign', ImagePresignRequest, ImagePresignResponse),
  IngestIngest: subject('ingest', 'ingest', ImageIngestRequest, ImageIngestResponse, 120_000),
  IngestUpload: subject('ingest', 'upload', ImageUploadRequest, ImageIngestResponse, 120_000),
  IngestBatch: subject('ingest', 'ingest-batch', BatchIngestRequest, JobRef),
  IngestGetImage: subject('ingest', 'get-image', ImageGetRequest, ImageRecord),
  IngestListImages: subject('ingest', 'list-images', ImageListRequest, ImageListResponse),
  IngestUpdateImage: subject('ingest', 'update-image', ImageUpdateRequest, ImageRecord),
  IngestDeleteImage: subject('ingest', 'delete-image', ImageDeleteRequest, ImageDeleteResponse),
  IngestGetJob: subject('ingest', 'get-job', JobGetRequest, Job),
  // Videos (docs/video.md): probing reads the whole file, hence the longer ingest timeout.
  IngestVideoPresign: subject('ingest', 'video-presign', ImagePresignRequest, ImagePresignResponse),
  IngestVideoIngest: subject('ingest', 'video-ingest', ImageIngestRequest, VideoIngestResponse, 300_000),
  IngestGetVideo: subject('ingest', 'get-video', VideoGetRequest, VideoRecord),
  IngestDeleteVideo: subject('ingest', 'delete-video', VideoGetRequest, VideoDeleteResponse, 120_000),
  IngestListVideos: subject('ingest', 'list-videos', VideoListRequest, VideoListResponse),
  IngestReindex: subject('ingest', 'reindex', ReindexStartRequest, JobRef),
  IngestLoadSamples: subject('ingest', 'load-samples', SamplesLoadRequest, JobRef, 30_000),

  SearchSimilar: subject('search', 'similar', SimilarSearchRequest, SimilarSearchResponse, 15_000),
  SearchCluster: subject('search', 'cluster', ClusterSearchRequest, ClusterSearchResponse, 60_000),

  DedupScan: subject('dedup', 'scan', ScanStartRequest, JobRef),
  DedupListGroups: subject('dedup', 'list-groups', GroupListRequest, GroupListResponse),
  DedupResolveGroup: subject('dedup', 'resolve-group', GroupResolveRequest, GroupResolveResponse),
  DedupCheckImage: subject('dedup', 'check-image', ImageCheckRequest, ImageCheckResponse, 30_000),
  DedupRecordDecision: subject('dedup', 'record-decision', DecisionRecordRequest, Empty),
  // Near-duplicate videos (docs/video.md): aligning reads every frame of the candidates.
  DedupVideoDuplicates: subject(
    'dedup',
    'video-duplicates',
    VideoDuplicatesRequest,
    VideoDuplicatesResponse,
    60_000,
  ),
  DedupCheckVideo: subject('dedup', 'check-video', VideoCheckRequest, VideoCheckResponse, 120_000),
  DedupForgetVideo: subject('dedup', 'forget-video', VideoCheckRequest, VideoCheckResponse, 120_000),
  // Thresholds that learn (docs/quality-loop.md): the fit reads the tenant's decisions, and may
  // capture the signals of older ones, hence the longer timeout of the report.
  DedupThresholds: subject('dedup', 'thresholds', ThresholdsGetRequest, ThresholdsGetResponse, 60_000),
  DedupThresholdsApply: subject(
    'dedup',
    'thresholds-apply',
    ThresholdsApplyRequest,
    ThresholdsApplyResponse,
    60_000,
  ),
  DedupThresholdsUndo: subject('dedup', 'thresholds-undo', ThresholdsUndoRequest, ThresholdsUndoResponse),

  AnomalyList: subject('anomaly', 'list', AnomalyListRequest, AnomalyListResponse),
  AnomalyReview: subject('anomaly', 'review', AnomalyReviewRequest, AnomalyReviewResponse),
  AnomalyRecompute: subject('anomaly', 'recompute', RecomputeStartRequest, JobRef),
  AnomalyScoreImage: subject('anomaly', 'score-image', ImageScoreRequest, Empty, 30_000),
  AnomalyWeights: subject('anomaly', 'weights', WeightsGetRequest, WeightsGetResponse, 30_000),
  AnomalyWeightsApply: subject('anomaly', 'weights-apply', WeightsApplyRequest, WeightsApplyResponse, 30_000),
  AnomalyWeightsUndo: subject('anomaly', 'weights-undo', WeightsGetRequest, WeightsUndoResponse),

  FeedbackCreate: subject('feedback', 'create', FeedbackCreateRequest, FeedbackCreateResponse),
  FeedbackList: subject('feedback', 'list', FeedbackListRequest, FeedbackListResponse),
  // The embedding map (issue 17): the last projection, or a new projection job.
  SearchMap: subject('search', 'map', MapRequest, MapResponse, 30_000),
  SearchMapStart: subject('search', 'map-start', MapRequest, JobRef),
  // QC statistics (docs/OPERATIONS.md): a handful of grouped counts and the series' buckets.
  FeedbackStats: subject('feedback', 'stats', StatsRequest, StatsResponse, 30_000),
  FeedbackHardNegatives: subject(
    'feedback',
    'hard-negatives',
    HardNegativesExportRequest,
    HardNegativesExportResponse,
    30_000,
  ),
} as const;

export type SubjectKey = keyof typeof Subjects;

const byName = new Map<string, SubjectDef<unknown, unknown>>(
  Object.values(Subjects).map((s) => [s.name, s as SubjectDef<unknown, unknown>]),
);

export function subjectByName(name: string): SubjectDef<unknown, unknown> | undefined {
  return byName.get(name);
}
