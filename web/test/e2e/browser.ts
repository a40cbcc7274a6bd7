import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

// What the browser tests share: where the stack and the images are, a signed-in Chromium page, and
// waiting for uploads. Each test file signs in as a user of its own, so each sees only its own library.

const repoRoot = resolve(import.meta.dirname, '../../..');
export const baseUrl = (process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shotsDir = resolve(repoRoot, 'test-results/console');
export const imagesDir = [
  process.env.E2E_IMAGES_DIR,
  resolve(repoRoot, 'test/fixtures/images'),
  resolve(repoRoot, '../shared/datasets/dev-nearcopies/images'),
  '/work/shared/datasets/dev-nearcopies/images',
].find((dir): dir is string => Boolean(dir && existsSync(join(dir, 'astronaut.jpg'))));

export interface BrowserSession {
  browser: Browser;
  page: Page;
  /** Uncaught errors of the page, which a test expects to stay empty. */
  pageErrors: string[];
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

/** Chromium on a ready stack, with one light-themed 1440×900 page. */
export async function openBrowser(): Promise<BrowserSession> {
  if (!imagesDir) throw new Error('dev-nearcopies images not found; set E2E_IMAGES_DIR');
  if (!existsSync(chromiumPath))
    throw new Error(`Chromium not found at ${chromiumPath} (apt-get install chromium)`);
  await waitForStack();
  mkdirSync(shotsDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { browser, page, pageErrors };
}

/** A screenshot of the viewport into test-results/console/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: false });
}

/** Runs a flow, leaving the screenshot test-results/console/<name>.png behind when it fails. */
export async function withFailureShot(page: Page, name: string, flow: () => Promise<void>): Promise<void> {
  try {
    await flow();
  } catch (error) {
    await page.screenshot({ path: join(shotsDir, `${name}.png`) }).catch(() => undefined);
    throw error;
  }
}

/** A fresh user is a fresh tenant: the library starts empty, so what a test sees is its own. */
export function freshUserId(): string {
  return `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Signs in as `userId` and lands on the upload page (where most flows start; the default is the library). */
export async function signIn(page: Page, userId: string, screenshot?: string): Promise<void> {
  await page.goto(`${baseUrl}/login?next=%2Fupload`);
  await page.getByLabel('User id').fill(userId);
  if (screenshot) await shot(page, screenshot);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/upload$/);
}

/** Waits for an upload row to reach an outcome and returns it with the row's text, for a useful failure. */
export async function outcome(row: Locator): Promise<string> {
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

export function imageIdFromRow(href: string | null): string {
  const id = href?.split('/images/')[1];
  if (!id) throw new Error(`no image link in the upload row (href ${href})`);
  return decodeURIComponent(id);
}
