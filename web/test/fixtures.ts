import type {
  AnomalyItem,
  DuplicateGroup,
  FeedbackEntry,
  ImagePayload,
  ImageRecord,
  ModelInfo,
  SearchHit,
} from '@/api/types';

// A 1×1 PNG so <img> tags have something real to load.
export const pixel =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export function imagePayload(id: string, overrides: Partial<ImagePayload> = {}): ImagePayload {
  return {
    image_id: id,
    owner_user_id: 'reviewer',
    bucket: 'images',
    key: `reviewer/${id}.jpg`,
    sha256: `sha-${id}`,
    phash: '8f373714acfcf4d0',
    width: 640,
    height: 480,
    format: 'jpeg',
    source: 'upload',
    tags: ['catalogue'],
    created_at: '2025-05-01T10:00:00.000Z',
    model_name: 'mobilenet',
    model_version: 'v2',
    quality_score: 0.82,
    quality_flags: [],
    nsfw_score: 0.01,
    anomaly_score: 0.1,
    size_bytes: 123456,
    ...overrides,
  };
}

export function imageRecord(id: string, overrides: Partial<ImagePayload> = {}): ImageRecord {
  return {
    image_id: id,
    payload: imagePayload(id, overrides),
    status: 'indexed',
    preview_url: `${pixel}#preview-${id}`,
    thumbnail_url: `${pixel}#thumb-${id}`,
    updated_at: '2025-05-01T10:00:01.000Z',
  };
}

export function searchHit(id: string, score: number): SearchHit {
  return {
    image_id: id,
    score,
    payload: imagePayload(id),
    preview_url: pixel,
    thumbnail_url: pixel,
    verified: false,
  };
}

export const models: ModelInfo = {
  name: 'clip-vit-b32',
  version: 'laion2b',
  dim: 512,
  text_available: true,
  text_unavailable_reason: '',
  device: 'cpu',
  vector_name: 'clip_global',
  nsfw_available: true,
  batch_size: 16,
  queue_max: 256,
};

export const imageOnlyModels: ModelInfo = {
  name: 'mobilenet',
  version: 'v2',
  dim: 1280,
  text_available: false,
  text_unavailable_reason:
    'No CLIP text encoder is installed (MODEL_DIR has no textual.onnx); only image search works.',
  device: 'cpu',
  vector_name: 'clip_global',
  nsfw_available: true,
  batch_size: 16,
  queue_max: 256,
};

export function group(id: string, kind: DuplicateGroup['kind'], members: string[]): DuplicateGroup {
  return {
    group_id: id,
    kind,
    suggested_keep: members[0]!,
    status: 'open',
    members: members.map((m, i) => ({
      image_id: m,
      hamming: i === 0 ? 0 : i * 2,
      cosine: i === 0 ? 1 : 0.99 - i * 0.01,
      quality_score: 0.9 - i * 0.1,
    })),
  };
}

export function anomaly(id: string, score: number): AnomalyItem {
  return {
    image_id: id,
    score,
    components: { dnn: score, density: score * 0.8, ood: score * 0.6, quality: 0.2 },
    status: 'open',
    quality_flags: score > 0.8 ? ['dark'] : [],
    thumbnail_url: pixel,
  };
}

export function feedbackEntry(imageId: string, action: FeedbackEntry['action']): FeedbackEntry {
  return {
    feedback_id: `fb-${imageId}-${action}`,
    image_id: imageId,
    action,
    note: '',
    query_id: '',
    user_id: 'reviewer',
    created_at: '2025-05-02T09:00:00.000Z',
  };
}

export function problem(status: number, title: string, detail: string) {
  return {
    type: `https://lookalike.dev/problems/${title.toLowerCase().replace(/\W+/g, '-')}`,
    title,
    status,
    detail,
    request_id: 'req-123',
  };
}
