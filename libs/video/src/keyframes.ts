import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { videoErrors } from './video-errors';
import { DEFAULT_VIDEO_LIMITS, type VideoLimits } from './video-limits';
import type { VideoInfo } from './video-probe';
import { runTool, type VideoTools } from './video-tools';

export interface KeyframeOptions {
  /** ffmpeg's scene-change score (0..1) above which a frame starts a new shot. */
  sceneThreshold: number;
  /** No two kept frames closer than this (a flash or a fast cut does not make a burst). */
  minSpacingMs: number;
  /** Inside a long shot, a frame at least this often (a slow pan is still sampled). */
  maxGapMs: number;
  /** Kept frames per minute of video at most; past it, the weakest scene changes are dropped. */
  maxPerMinute: number;
  /** Frames are written as JPEG fitted inside this many pixels (never enlarged). */
  maxSide: number;
}

export const DEFAULT_KEYFRAME_OPTIONS: KeyframeOptions = {
  sceneThreshold: 0.3,
  minSpacingMs: 500,
  maxGapMs: 10_000,
  maxPerMinute: 30,
  maxSide: 1024,
};

export interface Keyframe {
  /** Index of the frame in the stream (constant-rate: time x fps). */
  frameIndex: number;
  tMs: number;
  /** 0-based shot number: a new shot starts at the first frame and at every scene change. */
  shotId: number;
  /** ffmpeg's scene-change score of this frame against the one before it in the stream. */
  sceneScore: number;
  jpeg: Buffer;
}

export interface Shot {
  shotId: number;
  startMs: number;
  /** Start of the next shot, or the video's end. */
  endMs: number;
  /** Frame index of the shot's first kept frame (its poster). */
  frameIndex: number;
}

/** Parsed from `metadata=mode=print` and `showinfo` on ffmpeg's log, one pair per kept frame. */
function parseLog(stderr: string): { tMs: number; sceneScore: number }[] {
  const frames: { tMs: number; sceneScore: number }[] = [];
  let score = 0;
  for (const line of stderr.split('\n')) {
    const scene = /lavfi\.scene_score=([\d.]+)/.exec(line);
    if (scene) {
      score = Number(scene[1]);
      continue;
    }
    const info = /Parsed_showinfo.*\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[\d.]+)/.exec(line);
    if (info) {
      frames.push({ tMs: Math.max(0, Math.round(Number(info[1]) * 1000)), sceneScore: score });
      score = 0;
    }
  }
  return frames;
}

/**
 * Keeps at most `maxPerMinute` frames in each minute of the video: the first frame and the
 * strongest scene changes win. Returns indices into `frames`, in time order.
 */
export function capPerMinute(
  frames: readonly { tMs: number; sceneScore: number }[],
  maxPerMinute: number,
): number[] {
  const byMinute = new Map<number, number[]>();
  frames.forEach((f, i) => {
    const minute = Math.floor(f.tMs / 60_000);
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), i]);
  });
  const kept: number[] = [];
  for (const indices of byMinute.values()) {
    const ranked = [...indices].sort(
      (a, b) => (a === 0 ? -1 : b === 0 ? 1 : frames[b]!.sceneScore - frames[a]!.sceneScore) || a - b,
    );
    kept.push(...ranked.slice(0, maxPerMinute));
  }
  return kept.sort((a, b) => a - b);
}

/**
 * The keyframes of a probed video: ffmpeg's `select` keeps the first frame, every scene change
 * above the threshold at least `minSpacingMs` after the last kept frame, and a frame every
 * `maxGapMs` inside a long shot; they are written as JPEGs (fitted inside `maxSide`, displayed
 * orientation: ffmpeg applies the rotation) in a temporary folder, read back with their times and
 * scene scores, capped per minute, and grouped into shots. Bounded by `limits.extractTimeoutMs`.
 */
export async function extractKeyframes(
  tools: VideoTools,
  file: string,
  info: Pick<VideoInfo, 'durationMs' | 'fps'>,
  options: KeyframeOptions = DEFAULT_KEYFRAME_OPTIONS,
  limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
): Promise<{ keyframes: Keyframe[]; shots: Shot[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'lookalike-keyframes-'));
  try {
    const select =
      `eq(n\\,0)` +
      `+gt(scene\\,${options.sceneThreshold})*gte(t-prev_selected_t\\,${options.minSpacingMs / 1000})` +
      `+gte(t-prev_selected_t\\,${options.maxGapMs / 1000})`;
    const side = options.maxSide;
    const filter = [
      `select='${select}'`,
      'metadata=mode=print:key=lavfi.scene_score',
      'showinfo',
      `scale='min(${side},iw)':'min(${side},ih)':force_original_aspect_ratio=decrease`,
    ].join(',');
    const cap = Math.ceil(((info.durationMs / 60_000 + 1) * 60_000) / options.minSpacingMs) + 1;
    let stderr: string;
    try {
      ({ stderr } = await runTool(
        tools.ffmpeg,
        [
          '-nostdin',
          '-hide_banner',
          '-v',
          'info',
          '-i',
          file,
          '-map',
          '0:v:0',
          '-an',
          '-sn',
          '-dn',
          '-vf',
          filter,
          '-fps_mode',
          'vfr',
          '-frames:v',
          String(cap),
          '-q:v',
          '3',
          '-f',
          'image2',
          join(dir, '%06d.jpg'),
        ],
        { timeoutMs: limits.extractTimeoutMs, maxOutputBytes: 64 * 1024 * 1024 },
      ));
    } catch (error) {
      if ((error as { timeout?: boolean }).timeout)
        throw videoErrors.timedOut('Extracting the keyframes', limits.extractTimeoutMs);
      throw videoErrors.corrupt(error);
    }
    const logged = parseLog(stderr);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
    if (files.length === 0) throw videoErrors.noFrames();
    if (files.length !== logged.length) {
      throw videoErrors.corrupt(new Error(`ffmpeg wrote ${files.length} frames but logged ${logged.length}`));
    }
    const keep = capPerMinute(logged, options.maxPerMinute);
    const keyframes: Keyframe[] = [];
    let shotId = -1;
    for (const i of keep) {
      const frame = logged[i]!;
      if (i === 0 || frame.sceneScore > options.sceneThreshold) shotId += 1;
      keyframes.push({
        frameIndex: Math.round((frame.tMs / 1000) * info.fps),
        tMs: frame.tMs,
        shotId: Math.max(0, shotId),
        sceneScore: frame.sceneScore,
        jpeg: await readFile(join(dir, files[i]!)),
      });
    }
    return { keyframes, shots: shotsOf(keyframes, info.durationMs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Shots from kept frames: each starts at its first frame and ends where the next begins. */
export function shotsOf(keyframes: readonly Keyframe[], durationMs: number): Shot[] {
  const shots: Shot[] = [];
  for (const frame of keyframes) {
    const last = shots[shots.length - 1];
    if (last && last.shotId === frame.shotId) continue;
    if (last) last.endMs = frame.tMs;
    shots.push({ shotId: frame.shotId, startMs: frame.tMs, endMs: durationMs, frameIndex: frame.frameIndex });
  }
  return shots;
}
