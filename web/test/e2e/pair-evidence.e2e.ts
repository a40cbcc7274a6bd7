import { join } from 'node:path';

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Job, JobRef } from '@/api/types';

import {
  freshUserId,
  imageIdFromRow,
  imagesDir,
  openBrowser,
  outcome,
  shot,
  signIn,
  withFailureShot,
} from './browser';

let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

describe('pair evidence in a real browser', () => {
  beforeAll(async () => {
    ({ browser, page, pageErrors } = await openBrowser());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows where a crop matches its original: regions and matched points over both images', async () => {
    await withFailureShot(page, 'failure-pair-evidence', evidenceFlow);
    expect(pageErrors).toEqual([]);
  });
});

async function upload(file: string): Promise<string> {
  await page.getByLabel('Choose images or videos to upload').setInputFiles(join(imagesDir!, file));
  const row = page.locator('[data-testid="upload-row"]', { hasText: file });
  expect(await outcome(row)).toMatch(/^created/);
  return imageIdFromRow(await row.getByRole('link').first().getAttribute('href'));
}

/** The overlay's box against the image's, in CSS pixels: they must be the same box. */
async function misalignment(overlay: Locator): Promise<number> {
  const image = overlay.locator('xpath=preceding-sibling::img');
  const [a, b] = await Promise.all([overlay.boundingBox(), image.boundingBox()]);
  if (!a || !b) throw new Error('the overlay or its image is not laid out');
  return Math.max(
    Math.abs(a.x - b.x),
    Math.abs(a.y - b.y),
    Math.abs(a.width - b.width),
    Math.abs(a.height - b.height),
  );
}

async function evidenceFlow(): Promise<void> {
  await signIn(page, freshUserId());
  await upload('astronaut.jpg');
  // The middle 80%: its hash is far from the original's, so only geometric verification pairs them.
  const cropId = await upload('astronaut__crop80.jpg');

  // The scan button posts /api/dedup/scan and the console polls /api/jobs/{id} until the job ends.
  await page.getByRole('link', { name: 'Dedupe' }).click();
  // Both waits are set before the click: on a library of two the job may be over by the first poll.
  const started = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/dedup/scan',
  );
  const finished = page.waitForResponse(
    async (r) =>
      new URL(r.url()).pathname.startsWith('/api/jobs/') &&
      !['queued', 'running'].includes(((await r.json()) as Job).state),
    { timeout: 120_000 },
  );
  await page.getByRole('button', { name: 'Run a scan' }).click();
  const { job_id: jobId } = (await (await started).json()) as JobRef;
  expect(await (await finished).json()).toMatchObject({
    job_id: jobId,
    kind: 'dedup-scan',
    state: 'succeeded',
  });

  await page.getByRole('tab', { name: 'Near' }).click();
  const group = page.locator('[data-testid="dedup-group"]', { has: page.getByLabel(`Open image ${cropId}`) });
  await group.waitFor({ timeout: 30_000 });
  await group.getByRole('button', { name: /Compare/ }).click();

  const dialog = page.getByRole('dialog');
  const overlays = dialog.getByTestId('pair-evidence-overlay');
  const onMember = overlays.and(page.locator('[data-side="member"]'));
  await onMember.waitFor({ state: 'visible', timeout: 15_000 });
  expect(await overlays.count()).toBe(2);
  expect(await onMember.getByTestId('pair-evidence-point').count()).toBeGreaterThanOrEqual(6);
  expect(await onMember.getByTestId('pair-evidence-region').count()).toBe(1);
  await expect
    .poll(() =>
      dialog
        .locator('img')
        .evaluateAll((images: HTMLImageElement[]) => images.every((i) => i.complete && i.naturalWidth > 0)),
    )
    .toBe(true);
  for (const overlay of await overlays.all()) expect(await misalignment(overlay)).toBeLessThan(1);
  expect(await dialog.getByTestId('pair-evidence-caption').innerText()).toMatch(
    /^Verified: same pixels \(\d+ matched points, covers \d+% of this image/,
  );
  await shot(page, 'pair-evidence');
}
