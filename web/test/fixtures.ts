import type {
  AnomalyItem,
  DuplicateGroup,
  EmbeddingMap,
  FeedbackEntry,
  ImagePayload,
  ImageRecord,
  Job,
  ModelInfo,
  QualityThresholds,
  SearchHit,
  SettingsVersion,
  Stats,
  StatsWindow,
  VideoDuplicate,
  VideoFrame,
  VideoFrameRef,
  VideoRecord,
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

export function imageRecord(
  id: string,
  overrides: Partial<ImagePayload> = {},
  video?: VideoFrameRef,
): ImageRecord {
  return {
    image_id: id,
    payload: imagePayload(id, overrides),
    status: 'indexed',
    preview_url: `${pixel}#preview-${id}`,
    thumbnail_url: `${pixel}#thumb-${id}`,
    updated_at: '2025-05-01T10:00:01.000Z',
    ...(video ? { video } : {}),
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
    media: 'image',
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

/**
 * A video group: `members` are [video id, offset to the first one in ms], the first being the suggested
 * keep; each member's image is its video's poster frame (`<video>-F0`, as `videoRecord` names it).
 */
export function videoGroup(
  id: string,
  kind: DuplicateGroup['kind'],
  members: [videoId: string, offsetMs: number][],
): DuplicateGroup {
  const keep = members[0]![0];
  return {
    group_id: id,
    kind,
    media: 'video',
    suggested_keep: keep,
    status: 'open',
    members: members.map(([videoId, offsetMs], i) => ({
      image_id: `${videoId}-F0`,
      hamming: 0,
      cosine: 0,
      quality_score: 0,
      video:
        i === 0
          ? { video_id: videoId, offset_ms: 0, matched_share: 1, other_matched_share: 1, matched_frames: 0 }
          : {
              video_id: videoId,
              offset_ms: offsetMs,
              matched_share: 0.98 - i * 0.1,
              other_matched_share: 0.66,
              matched_frames: 2 + i,
              aligned_with: keep,
            },
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

/** A kept frame of video `videoId` at `tMs`, in shot `shotId` (25 fps). */
export function videoFrame(videoId: string, tMs: number, shotId: number): VideoFrame {
  const imageId = `${videoId}-F${tMs}`;
  return {
    image_id: imageId,
    frame_index: Math.round((tMs / 1000) * 25),
    t_ms: tMs,
    shot_id: shotId,
    thumbnail_url: `${pixel}#thumb-${imageId}`,
  };
}

/**
 * An indexed 6 s slideshow (320x240, 25 fps): three shots of 2 s, one kept frame at each cut (0, 2, 4 s)
 * and a second one 1.5 s into the last shot.
 */
export function videoRecord(id: string, overrides: Partial<VideoRecord> = {}): VideoRecord {
  const frames = [
    videoFrame(id, 0, 0),
    videoFrame(id, 2000, 1),
    videoFrame(id, 4000, 2),
    videoFrame(id, 5500, 2),
  ];
  return {
    video_id: id,
    status: 'indexed',
    container: 'mp4',
    codec: 'h264',
    duration_ms: 6000,
    fps: 25,
    width: 320,
    height: 240,
    frame_count: 150,
    has_audio: false,
    size_bytes: 48_213,
    tags: ['clips'],
    shots: [
      { shot_id: 0, start_ms: 0, end_ms: 2000, frame_index: 0 },
      { shot_id: 1, start_ms: 2000, end_ms: 4000, frame_index: 50 },
      { shot_id: 2, start_ms: 4000, end_ms: 6000, frame_index: 100 },
    ],
    frames,
    poster_image_id: frames[0]!.image_id,
    frames_total: frames.length,
    frames_done: frames.length,
    job_id: `JOB-${id}`,
    error: '',
    created_at: '2025-05-03T08:00:00.000Z',
    video_url: `https://objects.test/${id}.mp4?sig=1`,
    ...overrides,
  };
}

/** As `GET /api/videos` lists a video: no frames, no URL. */
export function listedVideo(id: string, overrides: Partial<VideoRecord> = {}): VideoRecord {
  return { ...videoRecord(id, overrides), frames: [], video_url: '' };
}

export function videoDuplicate(id: string, overrides: Partial<VideoDuplicate> = {}): VideoDuplicate {
  return {
    video_id: id,
    offset_ms: 0,
    matched_share: 0.97,
    other_matched_share: 0.95,
    matched_frames: 4,
    kind: 'near',
    ...overrides,
  };
}

/**
 * A video's frame extraction job. The schema's job kinds do not list `video-extract` yet (the gateway's
 * JobDto enum predates videos), hence the cast.
 */
export function extractionJob(id: string, overrides: Partial<Job> = {}): Job {
  return {
    job_id: id,
    kind: 'video-extract' as Job['kind'],
    state: 'running',
    done: 0,
    total: 0,
    failures: [],
    failed: 0,
    created_at: '2025-05-03T08:00:00.000Z',
    updated_at: '2025-05-03T08:00:01.000Z',
    ...overrides,
  };
}

/** GET /api/stats for a small library; the series has one bucket per hour (24h) or day (7d, 30d). */
export function stats(window: StatsWindow = '7d', overrides: Partial<Stats> = {}): Stats {
  const buckets = window === '24h' ? 24 : window === '7d' ? 7 : 30;
  const step = window === '24h' ? 3_600_000 : 86_400_000;
  const end = Date.parse('2026-12-06T12:00:00.000Z');
  return {
    generated_at: '2026-12-06T12:34:56.000Z',
    window,
    bucket: window === '24h' ? 'hour' : 'day',
    library: { stills: 1234, frames: 36, videos: 3, indexed: 1265, failed: 2, processing: 3 },
    duplicates: {
      exact: { open_groups: 4, resolved_groups: 10, open_copies: 6 },
      near: { open_groups: 12, resolved_groups: 5, open_copies: 17 },
      similar: { open_groups: 2, resolved_groups: 1, open_copies: 3 },
      copies: 23,
      rate: 23 / 1234,
      open_groups: 18,
      resolved_groups: 16,
      open_video_groups: 1,
    },
    anomaly_queue: { depth: 7, oldest_age_seconds: 2 * 86_400 + 600, flag_score: 0.65 },
    reviews: { last_hour: 5, last_24h: 42 },
    uploads: { created: 120, duplicate: 8, rejected: 1, failed: 0 },
    series: Array.from({ length: buckets }, (_, i) => ({
      t: new Date(end - (buckets - 1 - i) * step).toISOString(),
      uploads: i === buckets - 1 ? 100 : i,
      duplicate_groups: i % 3,
      reviews: i % 2,
      backlog: 10 + i,
    })),
    ...overrides,
  };
}

/** GET /api/stats/map with `n` points on a diagonal, every third in a group, scores rising. */
export function embeddingMap(n: number, overrides: Partial<EmbeddingMap> = {}): EmbeddingMap {
  const ids = Array.from({ length: n }, (_, i) => `IMG${String(i).padStart(3, '0')}`);
  return {
    status: 'ready',
    job_id: 'JOB_MAP',
    computed_at: '2026-12-06T12:00:00.000Z',
    method: 'umap',
    model_name: 'clip-vit-b32',
    total_points: n,
    sampled: false,
    image_ids: ids,
    x: ids.map((_, i) => (n > 1 ? i / (n - 1) : 0.5)),
    y: ids.map((_, i) => (n > 1 ? i / (n - 1) : 0.5)),
    anomaly: ids.map((_, i) => (i === 0 ? -1 : i / n)),
    group: ids.map((_, i) => (i % 3 === 0 ? Math.floor(i / 3) % 2 : -1)),
    tag: ids.map((_, i) => (i % 2 === 0 ? 'beach' : '')),
    group_ids: ['G0', 'G1'],
    group_kinds: ['exact', 'near'],
    ...overrides,
  };
}

function agreement(threshold: number, tp: number, fp: number, fn: number, tn: number, mcc: number) {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, tp, fp, fn, tn, precision, recall, f1, mcc };
}

/** An applied version of the thresholds (GET /api/quality/thresholds `history`). */
export function settingsVersion(version: number, overrides: Partial<SettingsVersion> = {}): SettingsVersion {
  return {
    version,
    settings: { phashMax: 18 },
    previous: {},
    applied_by: 'admin',
    applied_at: '2026-12-06T12:00:00.000Z',
    ...overrides,
  };
}

/**
 * GET /api/quality/thresholds as docs/quality-loop.md measured it (seed 1): cosine and pHash suggest
 * a change, cosine_near lacks not-duplicate decisions, inliers is already at its best; the anomaly
 * weights have a suggestion. An admin's view.
 */
export function qualityThresholds(overrides: Partial<QualityThresholds> = {}): QualityThresholds {
  return {
    can_apply: true,
    dedup: {
      model: 'mobilenet',
      decisions: 672,
      with_signals: 672,
      backfilled: 0,
      min_each: 10,
      history: [],
      signals: [
        {
          signal: 'cosine',
          setting: 'cosineSimilar',
          direction: 'at_least',
          current: 0.9,
          source: 'default',
          duplicates: 393,
          not_duplicates: 279,
          at_current: agreement(0.9, 165, 13, 239, 256, 0.4),
          suggested: agreement(0.805, 269, 59, 135, 210, 0.438),
        },
        {
          signal: 'cosine_near',
          setting: 'cosineNear',
          direction: 'at_least',
          current: 0.8,
          source: 'env',
          duplicates: 188,
          not_duplicates: 1,
          at_current: agreement(0.8, 130, 0, 59, 1, 0.15),
          reason: 'not_enough_decisions',
        },
        {
          signal: 'phash',
          setting: 'phashMax',
          direction: 'at_most',
          current: 6,
          source: 'default',
          duplicates: 393,
          not_duplicates: 279,
          at_current: agreement(6, 189, 2, 215, 267, 0.5),
          suggested: agreement(18, 292, 26, 112, 243, 0.614),
        },
        {
          signal: 'inliers',
          setting: 'minInliers',
          direction: 'at_least',
          current: 6,
          source: 'default',
          duplicates: 393,
          not_duplicates: 279,
          at_current: agreement(6, 363, 0, 41, 269, 0.883),
          suggested: agreement(6, 363, 0, 41, 269, 0.883),
        },
      ],
    },
    anomaly: {
      source: 'env',
      anomalies: 14,
      ok: 31,
      min_each: 10,
      current: {
        weights: { dnn: 0.3, density: 0.3, ood: 0.25, quality: 0.15 },
        auc: 0.712,
        cut: 0.61,
        tp: 9,
        fp: 6,
        fn: 5,
        tn: 25,
      },
      suggested: {
        weights: { dnn: 0.5, density: 0.2, ood: 0.2, quality: 0.1 },
        auc: 0.784,
        cut: 0.58,
        tp: 11,
        fp: 5,
        fn: 3,
        tn: 26,
      },
      history: [],
    },
    ...overrides,
  };
}
