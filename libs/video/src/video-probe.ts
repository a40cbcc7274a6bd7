import { open, stat } from 'node:fs/promises';
import { fileTypeFromBuffer } from 'file-type';
import { videoErrors } from './video-errors';
import { DEFAULT_VIDEO_LIMITS, type VideoLimits } from './video-limits';
import { runTool, type VideoTools } from './video-tools';

export type VideoContainer = 'mp4' | 'mov' | 'webm' | 'mkv';

/**
 * The allow-list, keyed by the `ext` file-type reads from the first bytes, with the type the
 * original is served with. m4v is an MP4.
 */
const CONTAINERS: Readonly<Record<string, { container: VideoContainer; mime: string }>> = {
  mp4: { container: 'mp4', mime: 'video/mp4' },
  m4v: { container: 'mp4', mime: 'video/mp4' },
  mov: { container: 'mov', mime: 'video/quicktime' },
  webm: { container: 'webm', mime: 'video/webm' },
  mkv: { container: 'mkv', mime: 'video/x-matroska' },
};

export const VIDEO_MIME_TYPES = [...new Set(Object.values(CONTAINERS).map((c) => c.mime))];

/** The type a video of this container is served with (the one read from its bytes at upload). */
export function mimeOfContainer(container: string): string {
  return Object.values(CONTAINERS).find((c) => c.container === container)?.mime ?? 'application/octet-stream';
}

export interface VideoInfo {
  container: VideoContainer;
  mime: string;
  sizeBytes: number;
  durationMs: number;
  width: number;
  height: number;
  /** Average frame rate of the video stream. */
  fps: number;
  /** The video stream's codec as ffprobe names it (h264, hevc, vp9, av1...). */
  codec: string;
  /** Packets of the video stream (one per frame), counted by demuxing, not decoding. */
  frameCount: number;
  hasAudio: boolean;
  /** Rotation the player applies (display matrix), in degrees. */
  rotation: number;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_read_packets?: string;
  duration?: string;
  side_data_list?: { rotation?: number }[];
  tags?: { rotate?: string };
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { duration?: string; format_name?: string };
}

function rate(value: string | undefined): number {
  const [num, den] = (value ?? '0/1').split('/').map(Number);
  return num && den ? num / den : 0;
}

/** Whether these first bytes of a file (64 KiB is plenty) open a video container of the allow-list. */
export async function isVideoHead(head: Buffer): Promise<boolean> {
  if (head.length === 0) return false;
  const detected = await fileTypeFromBuffer(head);
  return detected !== undefined && CONTAINERS[detected.ext] !== undefined;
}

/** The container as read from the file's first bytes (never from its name or a claimed type). */
export async function detectContainer(file: string): Promise<{ container: VideoContainer; mime: string }> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead === 0) throw videoErrors.empty();
    const detected = await fileTypeFromBuffer(head.subarray(0, bytesRead));
    const known = detected ? CONTAINERS[detected.ext] : undefined;
    if (!known) throw videoErrors.unsupportedType(detected?.mime ?? null, VIDEO_MIME_TYPES);
    return known;
  } finally {
    await handle.close();
  }
}

/**
 * Validates a video file and describes it: the container from its bytes, then ffprobe (JSON; it
 * demuxes the whole file to count the video packets, without decoding them) for the streams. Every
 * bound of `limits` is checked here, before any frame is decoded; a file ffprobe cannot read is
 * `corrupt`. Typed errors throughout (docs/video.md).
 */
export async function probeVideo(
  tools: VideoTools,
  file: string,
  limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
): Promise<VideoInfo> {
  const { size } = await stat(file);
  if (size === 0) throw videoErrors.empty();
  if (size > limits.maxBytes) throw videoErrors.tooLarge(size, limits.maxBytes);
  const { container, mime } = await detectContainer(file);
  let output: ProbeOutput;
  try {
    const { stdout } = await runTool(
      tools.ffprobe,
      ['-v', 'error', '-count_packets', '-print_format', 'json', '-show_format', '-show_streams', '--', file],
      { timeoutMs: limits.probeTimeoutMs },
    );
    output = JSON.parse(stdout) as ProbeOutput;
  } catch (error) {
    if ((error as { timeout?: boolean }).timeout)
      throw videoErrors.timedOut('Probing the video', limits.probeTimeoutMs);
    throw videoErrors.corrupt(error);
  }
  const streams = output.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video');
  if (!video) throw videoErrors.noVideoStream();
  const width = video.width ?? 0;
  const height = video.height ?? 0;
  const frameCount = Number(video.nb_read_packets ?? 0);
  const durationMs = Math.round(1000 * Number(output.format?.duration ?? video.duration ?? 0));
  if (frameCount === 0 || width === 0 || height === 0) throw videoErrors.noFrames();
  if (width * height > limits.maxFramePixels)
    throw videoErrors.tooManyPixels(width, height, limits.maxFramePixels);
  if (durationMs > limits.maxDurationMs) throw videoErrors.tooLong(durationMs, limits.maxDurationMs);
  if (frameCount > limits.maxFrames) throw videoErrors.tooManyFrames(frameCount, limits.maxFrames);
  const rotation =
    video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ??
    Number(video.tags?.rotate ?? 0);
  return {
    container,
    mime,
    sizeBytes: size,
    durationMs,
    width,
    height,
    fps: rate(video.avg_frame_rate) || rate(video.r_frame_rate),
    codec: video.codec_name ?? 'unknown',
    frameCount,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    rotation: ((Math.round(rotation) % 360) + 360) % 360,
  };
}
