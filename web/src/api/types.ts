import type { components } from './schema';

// Names for the generated schemas the views pass around; the shapes themselves come from the schema.
type Schemas = components['schemas'];
export type ImagePayload = Schemas['ImagePayload'];
export type ImageRecord = Schemas['ImageRecord'];
export type ImageFilter = Schemas['ImageFilter'];
export type SearchRequest = Schemas['SearchRequest'];
export type SearchHit = Schemas['SearchHit'];
export type SearchResponse = Schemas['SearchResponse'];
export type PresignResponse = Schemas['PresignResponse'];
export type IngestResponse = Schemas['IngestResponse'];
export type NearDuplicate = Schemas['NearDuplicate'];
export type DuplicateGroup = Schemas['DuplicateGroup'];
export type GroupMember = Schemas['GroupMember'];
export type GroupResolveRequest = Schemas['GroupResolveRequest'];
export type AnomalyItem = Schemas['AnomalyItem'];
export type AnomalyReviewRequest = Schemas['AnomalyReviewRequest'];
export type FeedbackEntry = Schemas['FeedbackEntry'];
export type FeedbackCreateRequest = Schemas['FeedbackCreateRequest'];
export type ModelInfo = Schemas['ModelInfo'];
export type Job = Schemas['Job'];
