import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** dev-nearcopies originals (no transformed copies): distinct photos for slideshows. */
export const DEV_IMAGES = resolve(__dirname, '../../../../shared/datasets/dev-nearcopies/images');

export function devOriginals(count: number): string[] {
  return readdirSync(DEV_IMAGES)
    .filter((f) => !f.includes('__'))
    .sort()
    .slice(0, count)
    .map((f) => join(DEV_IMAGES, f));
}

const ffmpeg = (args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args]);

/**
 * A slideshow: each image shown `secondsEach` at `fps`, `width`x`height` (letterboxed), H.264 in
 * MP4 (or VP9 in WebM / MKV by the output's extension). Cuts fall at multiples of `secondsEach`.
 */
export function slideshow(
  out: string,
  images: string[],
  options: { secondsEach?: number; width?: number; height?: number; fps?: number } = {},
): string {
  const { secondsEach = 2, width = 320, height = 240, fps = 25 } = options;
  const inputs = images.flatMap((image) => ['-loop', '1', '-t', String(secondsEach), '-i', image]);
  const scaled = images
    .map(
      (_, i) =>
        `[${i}:v]scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[v${i}]`,
    )
    .join(';');
  const joined = `${images.map((_, i) => `[v${i}]`).join('')}concat=n=${images.length}:v=1:a=0[out]`;
  const codec = /\.(webm|mkv)$/.test(out)
    ? ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k']
    : ['-c:v', 'libx264', '-preset', 'ultrafast'];
  ffmpeg([...inputs, '-filter_complex', `${scaled};${joined}`, '-map', '[out]', ...codec, out]);
  return out;
}

/** A silent audio-only file in an MP4 container (no video stream). */
export function audioOnly(out: string): string {
  ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '1', '-c:a', 'aac', out]);
  return out;
}

/** The first `bytes` of a file, written to `out` (a truncated upload). */
export function truncated(source: Buffer, out: string, bytes: number): string {
  writeFileSync(out, source.subarray(0, bytes));
  return out;
}

/** A variant of `source` made by ffmpeg with `filters` (video filter chain) and `args` (e.g. -ss). */
export function variant(
  source: string,
  out: string,
  options: { filters?: string; before?: string[]; crf?: number },
): string {
  const { filters, before = [], crf = 23 } = options;
  ffmpeg([
    ...before,
    '-i',
    source,
    ...(filters ? ['-vf', filters] : []),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    String(crf),
    '-pix_fmt',
    'yuv420p',
    out,
  ]);
  return out;
}

/** `intro` then `main`, both re-encoded to main's size and rate (an inserted intro). */
export function withIntro(
  intro: string,
  main: string,
  out: string,
  width: number,
  height: number,
  fps = 25,
): string {
  const norm = (i: number) =>
    `[${i}:v]scale=${width}:${height}:force_original_aspect_ratio=decrease,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[v${i}]`;
  ffmpeg([
    '-i',
    intro,
    '-i',
    main,
    '-filter_complex',
    `${norm(0)};${norm(1)};[v0][v1]concat=n=2:v=1:a=0[out]`,
    '-map',
    '[out]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    out,
  ]);
  return out;
}
