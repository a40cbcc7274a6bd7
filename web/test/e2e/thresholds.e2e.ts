import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { qualityThresholds } from '../fixtures';
import { baseUrl, freshUserId, openBrowser, shot as shotOf, withFailureShot } from './browser';

// Thresholds that learn on the real stack, signed in as `demo` (an admin in the embedded demo). The
// seeded library has no reviewer decisions, so every signal honestly lacks evidence; the page's
// counts are checked against the API. Apply and undo are exercised without changing behaviour: the
// test applies the value already in force for minInliers through the API, then undoes it in the page
// through its confirmation. A fresh user (not an admin) sees everything disabled. Last, the report
// is answered in the browser with the numbers docs/quality-loop.md measured, to look at suggestions.

let browser: Browser;
let page: Page;
let pageErrors: string[] = [];

const shot = (name: string) => shotOf(page, name);

interface Signal {
  signal: string;
  setting: string;
  current: number;
  source: string;
  duplicates: number;
  not_duplicates: number;
  suggested?: { threshold: number };
}

interface Report {
  can_apply: boolean;
  dedup: {
    min_each: number;
    signals: Signal[];
    applied?: { version: number };
    history: { version: number; undone_at?: string }[];
  };
  anomaly: { anomalies: number; ok: number; min_each: number; suggested?: unknown };
}

/** Calls the API with the page's session, as the console does. */
async function apiCall<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const session = JSON.parse(localStorage.getItem('lookalike.session') ?? '{}') as {
        accessToken?: string;
      };
      const response = await fetch(path, {
        method,
        headers: {
          Authorization: `Bearer ${session.accessToken}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    { method, path, body },
  );
}

async function signIn(userId: string): Promise<void> {
  await page.goto(`${baseUrl}/login?next=%2Fquality%2Fthresholds`);
  await page.getByLabel('User id').fill(userId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/quality\/thresholds$/);
  await page.getByRole('heading', { name: 'Thresholds', level: 1 }).waitFor();
}

const card = (signal: string) => page.getByTestId(`signal-${signal}`);

describe('thresholds in a real browser', () => {
  beforeAll(async () => {
    ({ browser, page, pageErrors } = await openBrowser());
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows each signal of the demo library with its evidence; an admin undoes an applied version', async () => {
    await withFailureShot(page, 'failure-thresholds', async () => {
      await signIn('demo');
      const report = await apiCall<Report>('GET', '/api/quality/thresholds');
      expect(report.can_apply).toBe(true);
      await page.getByTestId('admin-note').waitFor();

      for (const signal of report.dedup.signals) {
        const row = card(signal.signal);
        await row.waitFor();
        expect(await row.innerText()).toContain(signal.setting);
        expect(await row.getByTestId('current-value').innerText()).not.toBe('–');
        const suggestion = await row.getByTestId('suggestion').innerText();
        if (signal.suggested) expect(suggestion).not.toContain('Not enough decisions');
        else {
          const min = report.dedup.min_each;
          expect(suggestion).toBe(
            `Not enough decisions: ${Math.min(signal.duplicates, min)} of ${min} duplicates, ${Math.min(signal.not_duplicates, min)} of ${min} not duplicates`,
          );
          expect(await row.getByRole('checkbox').isDisabled()).toBe(true);
        }
      }
      if (!report.anomaly.suggested)
        expect(await page.getByTestId('anomaly-suggested-auc').innerText()).toContain('Not enough reviews');
      await shot('thresholds-01-report');
      await page.getByRole('heading', { name: 'Anomaly ranking weights' }).scrollIntoViewIfNeeded();
      await shot('thresholds-02-anomaly');

      // An applied version that changes nothing: minInliers at the value already in force.
      const inliers = report.dedup.signals.find((s) => s.signal === 'inliers')!;
      const applied = await apiCall<{ version: { version: number } }>(
        'POST',
        '/api/quality/thresholds/apply',
        { scope: 'dedup', values: { minInliers: inliers.current } },
      );
      await page.reload();
      const inForce = page.getByRole('table', { name: 'Applied dedup versions' });
      await expect
        .poll(() => inForce.getByRole('row').nth(1).innerText())
        .toMatch(new RegExp(`v${applied.version.version}[\\s\\S]*demo[\\s\\S]*in force`));
      expect(await card('inliers').getByText('applied', { exact: true }).count()).toBe(1);

      await page.getByRole('heading', { name: 'Thresholds', level: 1 }).scrollIntoViewIfNeeded();
      await page.getByRole('button', { name: 'Undo last change' }).first().click();
      const dialog = page.getByRole('alertdialog');
      await dialog.waitFor();
      expect(await dialog.innerText()).toContain(`Undo version ${applied.version.version}?`);
      expect(await dialog.innerText()).toContain('future sweeps and upload checks');
      await shot('thresholds-03-undo-confirm');
      await dialog.getByRole('button', { name: 'Undo' }).click();
      await page.getByText(`Version ${applied.version.version} undone`).waitFor();
      await dialog.waitFor({ state: 'detached' });
      await expect
        .poll(() => inForce.getByRole('row').nth(1).innerText())
        .toMatch(new RegExp(`v${applied.version.version}[\\s\\S]*undone[\\s\\S]*by demo`));
      await expect.poll(() => card('inliers').getByText('applied', { exact: true }).count()).toBe(0);
      // Nothing left to undo: the button says so by being disabled (the server would answer 409).
      expect(await page.getByRole('button', { name: 'Undo last change' }).first().isDisabled()).toBe(true);
      const after = await apiCall<Report>('GET', '/api/quality/thresholds');
      expect(after.dedup.applied).toBeUndefined();
      await inForce.scrollIntoViewIfNeeded();
      await shot('thresholds-04-after-undo');
    });
    expect(pageErrors).toEqual([]);
  });

  it('shows the report to a reviewer who is not an admin, with apply and undo disabled', async () => {
    await withFailureShot(page, 'failure-thresholds-reviewer', async () => {
      await page.evaluate(() => localStorage.removeItem('lookalike.session'));
      await signIn(freshUserId());
      await card('cosine').waitFor();
      expect(await page.getByTestId('dedup-apply-hint').innerText()).toContain(
        'Only admins may apply or undo',
      );
      expect(await page.getByRole('button', { name: /Apply selected/ }).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Apply suggested weights' }).isDisabled()).toBe(true);
      await shot('thresholds-05-reviewer');
    });
    expect(pageErrors).toEqual([]);
  });

  it('draws suggestions beside the values in force (the measured report, answered in the browser)', async () => {
    await withFailureShot(page, 'failure-thresholds-suggestions', async () => {
      await page.evaluate(() => localStorage.removeItem('lookalike.session'));
      await page.route('**/api/quality/thresholds', (route) =>
        route.fulfill({ json: qualityThresholds({ can_apply: true }) }),
      );
      await signIn('demo');
      const cosine = card('cosine');
      await cosine.getByRole('checkbox').click();
      await card('phash').getByRole('checkbox').click();
      expect(await cosine.getByTestId('suggestion').innerText()).toContain('0.805');
      await shot('thresholds-06-suggestions');
      await page.getByRole('button', { name: 'Apply selected (2)' }).click();
      const dialog = page.getByRole('alertdialog');
      expect(await dialog.innerText()).toContain('cosineSimilar 0.90 → 0.805');
      expect(await dialog.innerText()).toContain('phashMax 6 → 18');
      await shot('thresholds-07-apply-confirm');
      // Cancelled: this answer is a stand-in, nothing is sent.
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: 'Anomaly ranking weights' }).scrollIntoViewIfNeeded();
      await shot('thresholds-08-anomaly-suggested');
      await page.unroute('**/api/quality/thresholds');
    });
    expect(pageErrors).toEqual([]);
  });
});
