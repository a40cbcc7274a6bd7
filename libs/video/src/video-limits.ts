/** What a video may be; each bound is configurable (ingest's VIDEO_* settings). */
export interface VideoLimits {
  maxBytes: number;
  maxDurationMs: number;
  /** Pixels of one frame (width x height). */
  maxFramePixels: number;
  /** Frames in the stream (a decompression bomb is many tiny frames, or few huge ones). */
  maxFrames: number;
  /** How long probing, or extracting the keyframes, may take. */
  probeTimeoutMs: number;
  extractTimeoutMs: number;
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  maxBytes: 2 * 1024 * 1024 * 1024,
  maxDurationMs: 30 * 60 * 1000,
  // 4K UHD; 8K frames are refused.
  maxFramePixels: 3840 * 2160,
  maxFrames: 30 * 60 * 120,
  probeTimeoutMs: 30_000,
  extractTimeoutMs: 15 * 60 * 1000,
};
