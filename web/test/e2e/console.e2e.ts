import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  baseUrl,
  freshUserId,
  imageIdFromRow,
  imagesDir,
  openBrowser,
  outcome,
  shot as shotOf,
  signIn,
  withFailureShot,
} from './browser';

const userId = freshUserId();

let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

const shot = (name: string) => shotOf(page, name);

describe('console in a real browser', () => {
  beforeAll(async () => {
    ({ browser, page, pageErrors } = await openBrowser());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('logs in, uploads, finds the duplicate, searches, resolves the group and reviews an anomaly', async () => {
    await withFailureShot(page, 'failure', reviewerFlow);
    expect(pageErrors).toEqual([]);
  });
});

async function reviewerFlow(): Promise<void> {
  const dir = imagesDir!;
  const work = mkdtempSync(join(tmpdir(), 'lookalike-e2e-'));
  const original = join(dir, 'astronaut.jpg');
  // Same bytes under another name: an exact duplicate.
  const exactCopy = join(work, 'astronaut-again.jpg');
  copyFileSync(original, exactCopy);
  // A re-encode of the same photo: a near copy, stored as its own image.
  const nearCopy = join(
    dir,
    readdirSync(dir).find((f) => f.startsWith('astronaut__jpeg'))!,
  );
  const different = join(dir, 'coffee.jpg');

  await signIn(page, userId, '01-login');

  // Upload the original first, so the copies that follow have something to match.
  const fileInput = page.getByLabel('Choose images or videos to upload');
  await fileInput.setInputFiles(original);
  const originalRow = page.locator('[data-testid="upload-row"]', { hasText: 'astronaut.jpg' }).first();
  expect(await outcome(originalRow)).toMatch(/^created/);
  const originalId = imageIdFromRow(await originalRow.getByRole('link').first().getAttribute('href'));

  await fileInput.setInputFiles([exactCopy, nearCopy, different]);
  const exactRow = page.locator('[data-testid="upload-row"]', { hasText: 'astronaut-again.jpg' });
  const nearRow = page.locator('[data-testid="upload-row"]', { hasText: 'astronaut__jpeg' });
  const otherRow = page.locator('[data-testid="upload-row"]', { hasText: 'coffee.jpg' });
  expect(await outcome(exactRow)).toMatch(/^duplicate/);
  expect(await outcome(nearRow)).toMatch(/^created/);
  expect(await outcome(otherRow)).toMatch(/^created/);
  // The duplicate is reported with a link to the image it duplicates.
  expect(await exactRow.innerText()).toContain(`Duplicate of ${originalId}`);
  const nearId = imageIdFromRow(await nearRow.getByRole('link').first().getAttribute('href'));
  await shot('02-upload');

  // Search by the first image: its near copy comes first.
  await page.getByRole('link', { name: 'Search' }).click();
  await page.getByLabel('…or an image id').fill(originalId);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const firstTile = page.getByTestId('grid-tile').first();
  await firstTile.waitFor({ timeout: 30_000 });
  expect(await firstTile.getAttribute('aria-label')).toBe(`Open image ${nearId}`);
  await shot('03-search');

  // The detail panel, then the same image as a page.
  await firstTile.click();
  const panel = page.getByRole('dialog');
  await panel.getByTestId('detail-preview').waitFor();
  await shot('04-detail-panel');
  await page.keyboard.press('Escape');
  await page.goto(`${baseUrl}/images/${encodeURIComponent(originalId)}`);
  await page.getByTestId('detail-preview').waitFor();
  await shot('05-image-page');

  // Dedupe: scan, find the group of the original and its copy, keep the suggested image.
  await page.getByRole('link', { name: 'Dedupe' }).click();
  await page.getByRole('button', { name: 'Run a scan' }).click();
  await page.getByText('Duplicate scan finished').waitFor({ timeout: 120_000 });
  let group = page.locator('[data-testid="dedup-group"]', { has: page.getByLabel(`Open image ${nearId}`) });
  // The pair may be filed as near or similar depending on the model; look through the tiers for a while.
  const deadline = Date.now() + 30_000;
  const tabs = ['Exact', 'Near', 'Similar'];
  for (let i = 0; Date.now() < deadline; i += 1) {
    await page.getByRole('tab', { name: tabs[i % tabs.length] }).click();
    await page.waitForTimeout(700);
    if ((await group.count()) > 0) break;
  }
  await group.first().waitFor({ timeout: 1_000 });
  await shot('06-dedupe');
  await group
    .first()
    .getByRole('button', { name: /Compare/ })
    .click();
  await page.getByRole('tab', { name: 'Difference' }).click();
  await shot('07-dedupe-compare');
  await page.keyboard.press('Escape');
  await group.first().getByRole('button', { name: /Keep/ }).first().click();
  await page.getByText('Group resolved').waitFor({ timeout: 30_000 });
  group = page.locator('[data-testid="dedup-group"]', { has: page.getByLabel(`Open image ${nearId}`) });
  await expect.poll(() => group.count()).toBe(0);

  // Anomalies: review the first image of the queue with the keyboard.
  await page.getByRole('link', { name: 'Anomalies' }).click();
  const current = page.getByTestId('anomaly-current');
  await current.waitFor({ timeout: 60_000 });
  await shot('08-anomalies');
  await page.keyboard.press('o');
  await page.getByText('Marked ok').waitFor({ timeout: 30_000 });
  await shot('09-anomalies-reviewed');

  // The dark theme, on the busiest view.
  await page.getByRole('link', { name: 'Search' }).click();
  await page.getByLabel('…or an image id').fill(originalId);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByTestId('grid-tile').first().waitFor();
  await page.getByRole('button', { name: /^Theme: system/ }).click();
  await page.getByRole('button', { name: /^Theme: light/ }).click();
  await shot('10-search-dark');
}
