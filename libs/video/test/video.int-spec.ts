import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import {
  assertVideoTools,
  DEFAULT_KEYFRAME_OPTIONS,
  DEFAULT_VIDEO_LIMITS,
  DEFAULT_VIDEO_TOOLS,
  detectVideoTools,
  extractKeyframes,
  isVideoHead,
  probeVideo,
  type VideoRejection,
} from '../src';
import { audioOnly, devOriginals, slideshow, truncated } from './make-videos';

const BAD_INPUTS = resolve(__dirname, '../../../../shared/datasets/bad-inputs');
const tools = DEFAULT_VIDEO_TOOLS;

async function rejection(promise: Promise<unknown>): Promise<{ code: string; reason: VideoRejection }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LookalikeError)) throw new Error(`expected a LookalikeError, got ${String(error)}`);
  return { code: error.code, reason: error.details.reason as VideoRejection };
}

describe('video tools, probe and keyframes (real ffmpeg)', () => {
  let dir: string;
  let slides: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'video-int-'));
    slides = slideshow(join(dir, 'slides.mp4'), devOriginals(5), { secondsEach: 2 });
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds ffmpeg and ffprobe, and names the missing one with a 501 otherwise', async () => {
    const status = await detectVideoTools();
    expect(status).toMatchObject({ available: true });
    expect(assertVideoTools(status)).toEqual(tools);
    const missing = await detectVideoTools({ ffmpeg: '/nonexistent/ffmpeg', ffprobe: 'ffprobe' });
    expect(missing).toMatchObject({ available: false, missing: 'ffmpeg' });
    let thrown: unknown;
    try {
      assertVideoTools(missing);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LookalikeError);
    expect(thrown).toMatchObject({
      code: ErrorCode.NotImplemented,
      details: { reason: 'tool_missing', tool: 'ffmpeg' },
    });
  });

  it('describes an MP4 slideshow: container, duration, size, rate, codec and frames', async () => {
    const info = await probeVideo(tools, slides);
    expect(info).toMatchObject({
      container: 'mp4',
      mime: 'video/mp4',
      width: 320,
      height: 240,
      codec: 'h264',
      frameCount: 250,
      hasAudio: false,
      rotation: 0,
    });
    expect(info.fps).toBeCloseTo(25, 5);
    expect(Math.abs(info.durationMs - 10_000)).toBeLessThanOrEqual(50);
  });

  it('reads WebM and Matroska from their bytes, whatever the file is named', async () => {
    const webm = slideshow(join(dir, 'slides.webm'), devOriginals(2), { secondsEach: 1 });
    expect(await probeVideo(tools, webm)).toMatchObject({ container: 'webm', codec: 'vp9' });
    const misnamed = join(dir, 'clip.mp4');
    writeFileSync(misnamed, readFileSync(webm));
    expect((await probeVideo(tools, misnamed)).container).toBe('webm');
  }, 60_000);

  it('tells a video from an image or junk by its first bytes (batch ingest routes on it)', async () => {
    const head = (file: string) => readFileSync(file).subarray(0, 64 * 1024);
    expect(await isVideoHead(head(slides))).toBe(true);
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    expect(await isVideoHead(jpeg)).toBe(false);
    expect(await isVideoHead(Buffer.from('not a video at all'))).toBe(false);
    expect(await isVideoHead(Buffer.alloc(0))).toBe(false);
  }, 60_000);

  it('refuses bad files with typed errors before decoding a frame', async () => {
    const empty = join(dir, 'empty.mp4');
    writeFileSync(empty, Buffer.alloc(0));
    expect(await rejection(probeVideo(tools, empty))).toEqual({
      code: ErrorCode.InvalidArgument,
      reason: 'empty',
    });
    for (const name of ['truncated.jpg', 'xxe.svg', 'html-named.png', 'polyglot.jpg']) {
      expect(await rejection(probeVideo(tools, join(BAD_INPUTS, name)))).toEqual({
        code: ErrorCode.UnsupportedMediaType,
        reason: 'unsupported_type',
      });
    }
    expect(await rejection(probeVideo(tools, audioOnly(join(dir, 'audio.mp4'))))).toEqual({
      code: ErrorCode.Unprocessable,
      reason: 'no_video_stream',
    });
    const cut = truncated(readFileSync(slides), join(dir, 'cut.mp4'), 2000);
    const truncatedReason = await rejection(probeVideo(tools, cut));
    expect(truncatedReason.code).toBe(ErrorCode.Unprocessable);
    expect(['corrupt', 'no_frames']).toContain(truncatedReason.reason);
  }, 60_000);

  it('enforces each limit: bytes, duration, frame size and frame count', async () => {
    const limits = DEFAULT_VIDEO_LIMITS;
    expect(await rejection(probeVideo(tools, slides, { ...limits, maxBytes: 1000 }))).toEqual({
      code: ErrorCode.PayloadTooLarge,
      reason: 'too_large',
    });
    expect(await rejection(probeVideo(tools, slides, { ...limits, maxDurationMs: 5000 }))).toEqual({
      code: ErrorCode.Unprocessable,
      reason: 'too_long',
    });
    expect(await rejection(probeVideo(tools, slides, { ...limits, maxFramePixels: 320 * 240 - 1 }))).toEqual({
      code: ErrorCode.Unprocessable,
      reason: 'too_many_pixels',
    });
    expect(await rejection(probeVideo(tools, slides, { ...limits, maxFrames: 249 }))).toEqual({
      code: ErrorCode.Unprocessable,
      reason: 'too_many_frames',
    });
  });

  it('keeps one frame per cut of a slideshow, at the cut, each its own shot', async () => {
    const info = await probeVideo(tools, slides);
    const { keyframes, shots } = await extractKeyframes(tools, slides, info);
    expect(keyframes.map((k) => k.tMs)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(keyframes.map((k) => k.frameIndex)).toEqual([0, 50, 100, 150, 200]);
    expect(keyframes.map((k) => k.shotId)).toEqual([0, 1, 2, 3, 4]);
    expect(shots.map((s) => [s.startMs, s.endMs])).toEqual([
      [0, 2000],
      [2000, 4000],
      [4000, 6000],
      [6000, 8000],
      [8000, info.durationMs],
    ]);
    const first = await sharp(keyframes[0]!.jpeg).metadata();
    expect(first).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
  }, 60_000);

  it('samples a long shot every maxGapMs without starting new shots', async () => {
    const still = slideshow(join(dir, 'still.mp4'), devOriginals(1), { secondsEach: 12 });
    const info = await probeVideo(tools, still);
    const { keyframes, shots } = await extractKeyframes(tools, still, info, {
      ...DEFAULT_KEYFRAME_OPTIONS,
      maxGapMs: 5000,
    });
    expect(keyframes.map((k) => k.tMs)).toEqual([0, 5000, 10_000]);
    expect(keyframes.every((k) => k.shotId === 0)).toBe(true);
    expect(shots).toHaveLength(1);
  }, 60_000);

  it('refuses a bomb-sized PNG and other images as videos', async () => {
    expect(await rejection(probeVideo(tools, join(BAD_INPUTS, 'bomb-20000x20000.png')))).toMatchObject({
      code: ErrorCode.UnsupportedMediaType,
    });
  });
});
