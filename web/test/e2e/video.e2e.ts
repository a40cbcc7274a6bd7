import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freshUserId, imagesDir, openBrowser, outcome, shot, signIn, withFailureShot } from './browser';

// Videos in the console against the real stack: a slideshow made here with ffmpeg (three photos, 2 s
// each, so a cut and a kept frame at 0, 2 and 4 s), uploaded through the upload page, then its page:
// the filmstrip, a seek from a frame, a near-duplicate (the same slideshow trimmed by 2 s), the way
// back from a frame's detail to the video at that time, the two videos as a group in the duplicate
// review, and the deletion of the copy.

const ffmpegPath = process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';

let browser: Browser;
let page: Page;
let pageErrors: string[] = [];
let work: string;

const ffmpeg = (args: string[]) =>
  execFileSync(ffmpegPath, ['-v', 'error', '-nostdin', '-y', ...args], { timeout: 60_000 });

/** `images` shown `secondsEach` each at 25 fps, 320x240 (letterboxed), H.264 yuv420p in MP4. */
function slideshow(out: string, images: string[], secondsEach = 2): string {
  const inputs = images.flatMap((image) => ['-loop', '1', '-t', String(secondsEach), '-i', image]);
  const scaled = images
    .map(
      (_, i) =>
        `[${i}:v]scale=320:240:force_original_aspect_ratio=decrease,pad=320:240:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25,format=yuv420p[v${i}]`,
    )
    .join(';');
  const joined = `${images.map((_, i) => `[v${i}]`).join('')}concat=n=${images.length}:v=1:a=0[out]`;
  ffmpeg([
    ...inputs,
    '-filter_complex',
    `${scaled};${joined}`,
    '-map',
    '[out]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    out,
  ]);
  return out;
}

/** `source` without its first `seconds` (a trimmed copy), re-encoded. */
function trimmed(source: string, out: string, seconds: number): string {
  ffmpeg([
    '-ss',
    String(seconds),
    '-i',
    source,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    out,
  ]);
  return out;
}

const player = () => page.getByTestId('video-player');
const playerTime = () => player().evaluate((video: HTMLVideoElement) => video.currentTime);

describe('videos in a real browser', () => {
  beforeAll(async () => {
    ({ browser, page, pageErrors } = await openBrowser());
    work = mkdtempSync(join(tmpdir(), 'lookalike-video-e2e-'));
  });

  afterAll(async () => {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('uploads a video, follows its extraction, plays it from its frames and finds its trimmed copy', async () => {
    await withFailureShot(page, 'failure-video', videoFlow);
    expect(pageErrors).toEqual([]);
  });
});

/** Uploads a video on the upload page and returns its row once the extraction has an outcome. */
async function uploadVideo(file: string, name: string, progressShot?: string): Promise<Locator> {
  await page.getByLabel('Choose images or videos to upload').setInputFiles(file);
  const row = page.locator('[data-testid="upload-row"]', { hasText: name });
  if (progressShot) {
    // The extraction of three frames is quick: catch it under way if the page is fast enough.
    await expect
      .poll(() => row.getAttribute('data-status'), { timeout: 60_000, interval: 50 })
      .toMatch(/extracting|created|duplicate|failed/);
    const status = await row.getAttribute('data-status');
    if (status === 'extracting') await shot(page, progressShot);
  }
  expect(await outcome(row)).toMatch(/^created: .*Added as video/);
  return row;
}

async function videoFlow(): Promise<void> {
  const photos = readdirSync(imagesDir!)
    .filter((f) => !f.includes('__') && /\.(jpe?g|png)$/i.test(f))
    .sort()
    .slice(0, 3)
    .map((f) => join(imagesDir!, f));
  expect(photos).toHaveLength(3);
  const original = slideshow(join(work, 'slideshow.mp4'), photos);
  const copy = trimmed(original, join(work, 'slideshow-trimmed.mp4'), 2);

  await signIn(page, freshUserId());

  // The upload: the bytes, then the frame extraction followed until it ends, then a link to the video.
  const row = await uploadVideo(original, 'slideshow.mp4', '11-video-upload-progress');
  expect(await row.getAttribute('data-kind')).toBe('video');
  expect(await row.innerText()).toContain('3 key frames indexed');
  await uploadVideo(copy, 'slideshow-trimmed.mp4');
  await shot(page, '12-video-uploaded');
  const href = await row.getByRole('link').first().getAttribute('href');
  expect(href).toMatch(/^\/videos\/[0-9A-HJKMNP-TV-Z]{26}$/);

  // The list: both videos with their posters.
  await page.getByRole('link', { name: 'Videos', exact: true }).click();
  await expect.poll(() => page.getByTestId('video-card').count(), { timeout: 30_000 }).toBe(2);
  await page
    .getByRole('img', { name: /^Poster of video/ })
    .nth(1)
    .waitFor();
  await shot(page, '13-videos');

  // The video page: three frames, one per shot, at the cuts.
  await page.locator(`a[href="${href}"]`).first().click();
  await page.waitForURL((url) => url.pathname === href);
  const times = page.getByRole('list', { name: 'Frames' }).getByTestId('frame-time');
  await expect.poll(() => times.count(), { timeout: 30_000 }).toBe(3);
  expect(await times.allInnerTexts()).toEqual(['0:00.0', '0:02.0', '0:04.0']);
  expect(await page.getByTestId('filmstrip-shot').count()).toBe(3);

  // The browser plays it: the metadata loads (H.264 in MP4), then a click on the second frame seeks to 2 s.
  await expect
    .poll(() => player().evaluate((video: HTMLVideoElement) => video.readyState), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(1);
  expect(await player().evaluate((video: HTMLVideoElement) => video.duration)).toBeCloseTo(6, 0);
  // A browser seeks by asking for the bytes of that time: the video URL must answer range requests
  // (asked from here, not from the page, whose HTTP cache answers ranges of a video it holds whole).
  const src = await player().evaluate((video: HTMLVideoElement) => video.currentSrc);
  const answer = await fetch(src, { headers: { Range: 'bytes=0-1' } });
  const ranged = `${answer.status} ${answer.headers.get('content-range') ?? '(no Content-Range)'}`;
  await answer.body?.cancel();
  expect(ranged, 'GET of the video URL with Range: bytes=0-1 (206 needed to seek)').toMatch(
    /^206 bytes 0-1\//,
  );
  const second = page.getByRole('button', { name: 'Play from 0:02.0 (shot 2)' });
  await second.click();
  await expect.poll(playerTime, { timeout: 10_000 }).toBeCloseTo(2, 1);
  await expect
    .poll(() => player().evaluate((video: HTMLVideoElement) => !video.seeking && video.readyState >= 2))
    .toBe(true);
  expect(await second.getAttribute('aria-current')).toBe('true');

  // Its trimmed copy is a near-duplicate: the same moments 2 s earlier in the copy.
  const duplicate = page.getByTestId('video-duplicate');
  await duplicate.first().waitFor({ timeout: 30_000 });
  expect(await duplicate.count()).toBe(1);
  expect(await duplicate.getByTestId('duplicate-offset').innerText()).toBe('offset \u22122.0 s');
  expect(await duplicate.getByTestId('duplicate-kind').innerText()).toBe('near');
  expect(await duplicate.innerText()).toContain('earlier in the other video');
  await shot(page, '14-video-page');
  await page.getByRole('heading', { name: 'Near-duplicate videos' }).scrollIntoViewIfNeeded();
  await shot(page, '15-video-duplicates');

  // From a frame's detail back to the video at its time.
  await page.getByRole('button', { name: /Frame at 0:02.0: details/ }).click();
  const panel = page.getByRole('dialog');
  const note = panel.getByTestId('video-frame-link');
  await note.waitFor({ timeout: 30_000 });
  expect(await note.innerText()).toContain('Frame of a video at 0:02');
  await shot(page, '16-video-frame-detail');
  await note.getByRole('link', { name: 'Play from 0:02' }).click();
  await page.waitForURL((url) => url.pathname === href && url.searchParams.get('t') === '2000');
  await expect.poll(playerTime, { timeout: 10_000 }).toBeGreaterThanOrEqual(1.95);

  // The review: the two videos are one near-duplicate video group, the original kept (the longer) and
  // the trimmed copy placed 2 s into it.
  await page.getByRole('link', { name: 'Dedupe', exact: true }).click();
  await page.getByRole('tab', { name: 'Videos' }).click();
  await page.getByRole('tab', { name: 'Near' }).click();
  await page.waitForURL(
    (url) => url.searchParams.get('media') === 'video' && url.searchParams.get('kind') === 'near',
  );
  const group = page.locator('[data-testid="dedup-group"][data-media="video"]');
  // The dedup service groups a video once its frames are indexed: look again until the group is there.
  await expect
    .poll(
      async () => {
        if ((await group.count()) === 0) await page.reload();
        return group.count();
      },
      { timeout: 30_000, interval: 2000 },
    )
    .toBe(1);
  expect(await group.getByTestId('group-member').count()).toBe(2);
  const keep = group.locator('[data-testid="group-member"][data-keep]');
  expect(await keep.getAttribute('data-video-id')).toBe(href!.slice('/videos/'.length));
  expect(await keep.getByTestId('member-offset').innerText()).toBe('keep');
  const copyMember = group.locator('[data-testid="group-member"]:not([data-keep])');
  expect(await copyMember.getByTestId('member-offset').innerText()).toBe('\u22120:02.0');
  expect(await copyMember.innerText()).toContain('starts 0:02.0 into the keep');
  expect(await copyMember.getByTestId('member-share').innerText()).toMatch(/^\d+% matched · \d+ frames/);
  await group.locator('img[alt^="Poster of video"]').nth(1).waitFor();
  await shot(page, '17-dedupe-videos');

  // Deleting the copy from its page: a confirmation, then back to the list, which holds the original only.
  const copyId = await copyMember.getAttribute('data-video-id');
  await copyMember.getByRole('link', { name: `Play video ${copyId}` }).click();
  await page.waitForURL((url) => url.pathname === `/videos/${copyId}`);
  await page.getByRole('button', { name: 'Delete video' }).click();
  const confirm = page.getByRole('alertdialog');
  await confirm.waitFor();
  await shot(page, '18-video-delete-confirm');
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/videos');
  await expect.poll(() => page.getByTestId('video-card').count(), { timeout: 10_000 }).toBe(1);
  expect(await page.locator(`a[href="${href}"]`).count()).toBeGreaterThan(0);
}
