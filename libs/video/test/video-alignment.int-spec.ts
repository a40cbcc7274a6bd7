import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perceptualHash } from '@lookalike/imaging';
import { alignVideos, type AlignedFrame, DEFAULT_VIDEO_TOOLS, extractKeyframes, probeVideo } from '../src';
import { devOriginals, slideshow, variant, withIntro } from './make-videos';

const tools = DEFAULT_VIDEO_TOOLS;
/** The frame matcher of this test: pHash within 18 bits (64 - distance as the score). */
const MAX_BITS = 18;

function hamming(a: string, b: string): number {
  let bits = 0;
  for (let i = 0; i < a.length; i += 4) {
    let x = parseInt(a.slice(i, i + 4), 16) ^ parseInt(b.slice(i, i + 4), 16);
    for (; x; x &= x - 1) bits += 1;
  }
  return bits;
}

async function framesOf(file: string): Promise<{ frames: AlignedFrame<string>[]; durationMs: number }> {
  const info = await probeVideo(tools, file);
  const { keyframes } = await extractKeyframes(tools, file, info);
  const frames = await Promise.all(
    keyframes.map(async (k) => ({ tMs: k.tMs, value: await perceptualHash(k.jpeg) })),
  );
  return { frames, durationMs: info.durationMs };
}

describe('near-duplicate videos: keyframes of generated variants, aligned', () => {
  let dir: string;
  let original: { frames: AlignedFrame<string>[]; durationMs: number };
  const similar = (a: string, b: string) => {
    const d = hamming(a, b);
    return d <= MAX_BITS ? 64 - d : undefined;
  };
  const align = async (file: string) => {
    const other = await framesOf(file);
    return alignVideos(
      original.frames,
      other.frames,
      { aMs: original.durationMs, bMs: other.durationMs },
      similar,
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'video-align-'));
    const source = slideshow(join(dir, 'original.mp4'), devOriginals(5), {
      secondsEach: 2,
      width: 640,
      height: 360,
    });
    original = await framesOf(source);
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A crop moves the pHash of one of the five frames past 14 (and 18) bits: this test's matcher
  // misses it; the alignment still holds at offset 0 with the other four.
  it.each([
    ['re-encoded at a low bitrate', { crf: 38 }, 0.95],
    ['resized to half', { filters: 'scale=320:180' }, 0.95],
    ['cropped to 90% and scaled back', { filters: 'crop=iw*0.9:ih*0.9,scale=640:360' }, 0.75],
  ] as const)(
    '%s: offset 0, both covered',
    async (name, options, share) => {
      const out = join(dir, `${name.split(' ')[0]}.mp4`);
      const result = await align(variant(join(dir, 'original.mp4'), out, options));
      expect(result).toBeDefined();
      expect(result!.offsetMs).toBe(0);
      expect(result!.matchedShareA).toBeGreaterThan(share);
      expect(result!.matchedShareB).toBeGreaterThan(share);
    },
    60_000,
  );

  it('trimmed by 3 s: offset -3 s, most of the copy matched', async () => {
    const result = await align(
      variant(join(dir, 'original.mp4'), join(dir, 'trim.mp4'), { before: ['-ss', '3'] }),
    );
    expect(result!.offsetMs).toBe(-3000);
    expect(result!.matchedShareB).toBeGreaterThan(0.8);
  }, 60_000);

  it('with a 4 s intro inserted: offset +4 s, all of the original matched', async () => {
    const intro = slideshow(join(dir, 'intro.mp4'), devOriginals(7).slice(6), {
      secondsEach: 4,
      width: 640,
      height: 360,
    });
    const result = await align(
      withIntro(intro, join(dir, 'original.mp4'), join(dir, 'intro-plus.mp4'), 640, 360),
    );
    expect(result!.offsetMs).toBe(4000);
    expect(result!.matchedShareA).toBeGreaterThan(0.95);
  }, 60_000);

  it('an unrelated slideshow does not align', async () => {
    const other = slideshow(join(dir, 'other.mp4'), devOriginals(12).slice(7), {
      secondsEach: 2,
      width: 640,
      height: 360,
    });
    expect(await align(other)).toBeUndefined();
  }, 60_000);
});
