import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { baseUrl, freshUserId, openBrowser, shot as shotOf, withFailureShot } from './browser';

let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

const shot = (name: string) => shotOf(page, name);

/** The number the library's count shows ("12 images", "48+ images"). */
async function libraryCount(): Promise<number> {
  const text =
    (await page
      .getByTestId('library-count')
      .innerText({ timeout: 1000 })
      .catch(() => '')) || '0';
  return Number.parseInt(text, 10) || 0;
}

describe('first run in a real browser', () => {
  beforeAll(async () => {
    ({ browser, page, pageErrors } = await openBrowser());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("a newcomer's first sign-in, with the suggested user, lands on the sample library", async () => {
    await withFailureShot(page, 'failure-first-run', async () => {
      // What a newcomer does: open the console and press Sign in.
      await page.goto(`${baseUrl}/`);
      await page.waitForURL(/\/login\?next=/);
      const field = page.getByLabel('User id');
      await expect.poll(() => field.inputValue(), { timeout: 10_000 }).toBe('demo');
      await expect.poll(() => page.getByTestId('suggested-user').innerText()).toContain('sample images');
      await shot('first-run-01-login');
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.waitForURL(/\/images$/);
      await page.getByRole('heading', { name: 'Library' }).waitFor();
      // The demo seed runs in the background after start-up: wait for it to fill the library.
      await expect.poll(libraryCount, { timeout: 180_000, interval: 1000 }).toBeGreaterThan(0);
      await page.locator('[aria-label="Library"] img').first().waitFor();
      await shot('first-run-02-sample-library');
      await expect.poll(() => page.getByText('sample', { exact: true }).count()).toBeGreaterThan(0);
    });
    expect(pageErrors).toEqual([]);
  });

  it('a new user with an empty library loads the sample images and sees them', async () => {
    await withFailureShot(page, 'failure-first-run-samples', async () => {
      // Signed out, whatever the test before left behind.
      await page.evaluate(() => localStorage.clear());
      await page.goto(`${baseUrl}/login`);
      await page.getByLabel('User id').fill(freshUserId());
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.waitForURL(/\/images$/);
      await page.getByText('Your library is empty').waitFor();
      await shot('first-run-03-empty-library');
      await page.getByRole('button', { name: 'Load sample images' }).click();

      await page.getByTestId('sample-progress').waitFor();
      await shot('first-run-04-loading-samples');
      const toast = page.getByText(/^Sample images loaded: \d+ of \d+$/);
      await toast.waitFor({ timeout: 180_000 });
      const [loaded] = /(\d+) of/
        .exec(await toast.innerText())!
        .slice(1)
        .map(Number);
      expect(loaded).toBeGreaterThan(0);
      await expect.poll(libraryCount, { timeout: 10_000 }).toBe(Math.min(loaded!, 48));
      await page.locator('[aria-label="Library"] img').first().waitFor();
      await shot('first-run-05-samples-loaded');
    });
    expect(pageErrors).toEqual([]);
  });
});
