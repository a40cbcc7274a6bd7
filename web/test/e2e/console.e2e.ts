import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../../..');
const baseUrl = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shotsDir = resolve(repoRoot, 'test-results/console');
const imagesDir = [
  process.env.E2E_IMAGES_DIR,
  resolve(repoRoot, 'test/fixtures/images'),
  resolve(repoRoot, '../shared/datasets/dev-nearcopies/images'),
  '/work/shared/datasets/dev-nearcopies/images',
].find((dir): dir is string => Boolean(dir && existsSync(join(dir, 'astronaut.jpg'))));

// A fresh user per run is a fresh tenant: the library starts empty, so what the test sees is its own.
const userId = `e2e-${Date.now().toString(36)}`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: false });
}

async function probe(path: string): Promise<{ ok: boolean; text: string }> {
  try {
    const response = await fetch(`${baseUrl}${path}`);
    return { ok: response.ok, text: `${response.status} ${(await response.text()).slice(0, 400)}` };
  } catch (error) {
    return { ok: false, text: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Waits for /readyz. A stack that is up but not ready (a service still loading its model) is used
 * anyway after a minute, with a warning, so the failure names the step that needs the missing piece.
 */
async function waitForStack(): Promise<void> {
  const deadline = Date.now() + Number(process.env.E2E_READY_TIMEOUT_MS ?? 60_000);
  let ready = await probe('/readyz');
  while (!ready.ok && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    ready = await probe('/readyz');
  }
  if (ready.ok) return;
  const health = await probe('/healthz');
  if (!health.ok) {
    throw new Error(
      `No Lookalike stack at ${baseUrl} (${health.text}). Start one with \`make demo\` or set E2E_BASE_URL.`,
    );
  }
  console.warn(`The stack at ${baseUrl} is up but not ready: ${ready.text}`);
}

/** Waits for an upload row to reach an outcome and returns it with the row's text, for a useful failure. */
async function outcome(row: ReturnType<Page['locator']>): Promise<string> {
  await expect
    .poll(
      async () => ['created', 'duplicate', 'failed'].includes((await row.getAttribute('data-status')) ?? ''),
      {
        timeout: 120_000,
      },
    )
    .toBe(true);
  return `${await row.getAttribute('data-status')}: ${(await row.innerText()).replace(/\s+/g, ' ')}`;
}

function imageIdFromRow(href: string | null): string {
  const id = href?.split('/images/')[1];
  if (!id) throw new Error(`no image link in the upload row (href ${href})`);
  return decodeURIComponent(id);
}

describe('console in a real browser', () => {
  beforeAll(async () => {
    if (!imagesDir) throw new Error('dev-nearcopies images not found; set E2E_IMAGES_DIR');
    if (!existsSync(chromiumPath))
      throw new Error(`Chromium not found at ${chromiumPath} (apt-get install chromium)`);
    await waitForStack();
    mkdirSync(shotsDir, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('logs in, uploads, finds the duplicate, searches, resolves the group and reviews an anomaly', async () => {
    try {
      await reviewerFlow();
    } catch (error) {
      await page.screenshot({ path: join(shotsDir, 'failure.png') }).catch(() => undefined);
      throw error;
    }
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

  // Log in.
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('User id').fill(userId);
  await shot('01-login');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/upload$/);

  // Upload the original first, so the copies that follow have something to match.
  const fileInput = page.getByLabel('Choose images to upload');
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
