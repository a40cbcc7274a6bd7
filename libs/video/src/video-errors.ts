import { ErrorCode, LookalikeError } from '@lookalike/contracts';

/** Machine-readable reasons carried in `details.reason` of every rejection this library raises. */
export const VideoRejection = {
  Empty: 'empty',
  TooLarge: 'too_large',
  UnsupportedType: 'unsupported_type',
  NoVideoStream: 'no_video_stream',
  NoFrames: 'no_frames',
  TooLong: 'too_long',
  TooManyPixels: 'too_many_pixels',
  TooManyFrames: 'too_many_frames',
  Corrupt: 'corrupt',
  Timeout: 'timeout',
  ToolMissing: 'tool_missing',
} as const;

export type VideoRejection = (typeof VideoRejection)[keyof typeof VideoRejection];

function rejection(
  code: ErrorCode,
  reason: VideoRejection,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): LookalikeError {
  return new LookalikeError(code, message, { details: { reason, ...details }, cause });
}

export const videoErrors = {
  empty: () => rejection(ErrorCode.InvalidArgument, VideoRejection.Empty, 'The video is empty'),
  tooLarge: (actual: number, limit: number) =>
    rejection(
      ErrorCode.PayloadTooLarge,
      VideoRejection.TooLarge,
      `The video is ${actual} bytes; the limit is ${limit}`,
      {
        limit,
        actual,
      },
    ),
  unsupportedType: (detected: string | null, allowed: readonly string[]) =>
    rejection(
      ErrorCode.UnsupportedMediaType,
      VideoRejection.UnsupportedType,
      `Unsupported video type: ${detected ? `${detected} content` : 'content of an unrecognised type'}`,
      { detected, allowed: [...allowed] },
    ),
  noVideoStream: () =>
    rejection(ErrorCode.Unprocessable, VideoRejection.NoVideoStream, 'The file holds no video stream'),
  noFrames: () =>
    rejection(ErrorCode.Unprocessable, VideoRejection.NoFrames, 'The video has no decodable frames'),
  tooLong: (actualMs: number, limitMs: number) =>
    rejection(
      ErrorCode.Unprocessable,
      VideoRejection.TooLong,
      `The video lasts ${(actualMs / 1000).toFixed(1)} s; the limit is ${(limitMs / 1000).toFixed(0)} s`,
      { limit_ms: limitMs, actual_ms: actualMs },
    ),
  tooManyPixels: (width: number, height: number, limit: number) =>
    rejection(
      ErrorCode.Unprocessable,
      VideoRejection.TooManyPixels,
      `The video is ${width}x${height} (${width * height} pixels per frame); the limit is ${limit}`,
      { limit, width, height },
    ),
  tooManyFrames: (actual: number, limit: number) =>
    rejection(
      ErrorCode.Unprocessable,
      VideoRejection.TooManyFrames,
      `The video has ${actual} frames; the limit is ${limit}`,
      {
        limit,
        actual,
      },
    ),
  corrupt: (cause?: unknown) =>
    rejection(
      ErrorCode.Unprocessable,
      VideoRejection.Corrupt,
      'The video data is corrupt or truncated',
      {},
      cause,
    ),
  timedOut: (what: string, limitMs: number) =>
    rejection(ErrorCode.Unprocessable, VideoRejection.Timeout, `${what} took longer than ${limitMs} ms`, {
      limit: limitMs,
    }),
  /** 501: the server has no ffmpeg/ffprobe; images keep working. */
  toolMissing: (tool: string, reason: string) =>
    new LookalikeError(
      ErrorCode.NotImplemented,
      `Video support needs ${tool}, which this server cannot run: ${reason}`,
      {
        details: { reason: VideoRejection.ToolMissing, tool },
      },
    ),
};
