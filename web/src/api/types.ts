import type { components } from './schema';

// Short names for the generated schemas the views pass around; the shapes themselves come from the schema.
type Schemas = components['schemas'];
export type ImagePayload = Schemas['ImagePayloadDto'];
export type ImageRecord = Schemas['ImageRecordDto'];
export type ImageFilter = Schemas['ImageFilterDto'];
export type SearchRequest = Schemas['SimilarSearchRequestDto'];
export type SearchHit = Schemas['SearchHitDto'];
export type SearchResponse = Schemas['SimilarSearchResponseDto'];
export type PresignResponse = Schemas['PresignResponseDto'];
export type IngestResponse = Schemas['IngestResponseDto'];
export type NearDuplicate = Schemas['NearDuplicateDto'];
export type DuplicateGroup = Schemas['DuplicateGroupDto'];
export type GroupMember = Schemas['GroupMemberDto'];
export type PairEvidence = Schemas['PairEvidenceDto'];
export type Region = Schemas['RegionDto'];
export type GroupListResponse = Schemas['GroupListResponseDto'];
export type GroupResolveRequest = Schemas['ResolveGroupDto'];
export type AnomalyItem = Schemas['AnomalyItemDto'];
export type AnomalyReviewRequest = Schemas['ReviewAnomalyDto'];
export type FeedbackEntry = Schemas['FeedbackEntryDto'];
export type FeedbackCreateRequest = Schemas['CreateFeedbackDto'];
export type ModelInfo = Schemas['ModelInfoDto'];
export type Job = Schemas['JobDto'];
export type JobRef = Schemas['JobRefDto'];
export type Problem = Schemas['ProblemDto'];
