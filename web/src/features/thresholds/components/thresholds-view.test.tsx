import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { ApplyThresholdsRequest, QualityThresholds } from '@/api/types';

import { qualityThresholds, settingsVersion } from '../../../../test/fixtures';
import { url } from '../../../../test/handlers';
import { server } from '../../../../test/msw-server';
import { renderView } from '../../../../test/render';
import { ThresholdsView } from './thresholds-view';

/** The thresholds API: GET answers `report` (replaceable), apply and undo are recorded. */
function thresholdsApi(initial: QualityThresholds) {
  const state = { report: initial, gets: 0 };
  const applied: ApplyThresholdsRequest[] = [];
  const undone: unknown[] = [];
  server.use(
    http.get(url('/api/quality/thresholds'), () => {
      state.gets += 1;
      return HttpResponse.json(state.report);
    }),
    http.post(url('/api/quality/thresholds/apply'), async ({ request }) => {
      const body = (await request.json()) as ApplyThresholdsRequest;
      applied.push(body);
      return HttpResponse.json({
        scope: body.scope,
        version: settingsVersion(1, {
          settings: { cosineSimilar: 0.805, phashMax: 18 },
          applied_by: 'reviewer',
        }),
        ...(body.scope === 'anomaly' ? { recompute_job_id: 'JOB_RECOMPUTE' } : {}),
      });
    }),
    http.post(url('/api/quality/thresholds/undo'), async ({ request }) => {
      const body = (await request.json()) as { scope: string };
      undone.push(body);
      return HttpResponse.json({ scope: body.scope, undone: settingsVersion(2) });
    }),
  );
  return { state, applied, undone };
}

function unprocessable(status: number, title: string, detail: string, reason: string) {
  return HttpResponse.json(
    {
      type: `https://lookalike.dev/problems/x`,
      title,
      status,
      detail,
      errors: { reason },
      request_id: 'req-9',
    },
    { status, headers: { 'content-type': 'application/problem+json' } },
  );
}

const signalCard = (signal: string) => screen.findByTestId(`signal-${signal}`);

describe('thresholds view', () => {
  it('shows each signal with its value in force, the suggestion and the agreement at both', async () => {
    thresholdsApi(qualityThresholds());
    renderView(<ThresholdsView />);

    const cosine = await signalCard('cosine');
    expect(within(cosine).getByText('Similar by embedding')).toBeInTheDocument();
    expect(within(cosine).getByTestId('current-value')).toHaveTextContent('0.90');
    expect(within(cosine).getByText('default')).toBeInTheDocument();
    const suggestion = within(cosine).getByTestId('suggestion');
    expect(suggestion).toHaveTextContent('0.805');
    expect(suggestion).toHaveTextContent('better');
    expect(suggestion).toHaveTextContent('MCC 0.400 → 0.438');
    const precision = within(cosine).getByText('Precision').closest('tr')!;
    expect(precision).toHaveTextContent('93%');
    expect(precision).toHaveTextContent('82%');
    expect(precision).toHaveTextContent('worse');
    expect(within(cosine).getByRole('table', { name: 'Counts at In force (0.90)' })).toHaveTextContent(
      /TP 165.*FN 239.*FP 13.*TN 256/,
    );
    expect(within(cosine).getByRole('table', { name: 'Counts at Suggested (0.805)' })).toHaveTextContent(
      /TP 269.*FN 135.*FP 59.*TN 210/,
    );

    const near = await signalCard('cosine_near');
    expect(within(near).getByTestId('suggestion')).toHaveTextContent(
      'Not enough decisions: 10 of 10 duplicates, 1 of 10 not duplicates',
    );
    expect(within(near).getByText('env')).toBeInTheDocument();
    expect(within(near).getByRole('checkbox')).toBeDisabled();

    const inliers = await signalCard('inliers');
    expect(within(inliers).getByTestId('suggestion')).toHaveTextContent('keep: already the best');
    expect(within(inliers).getByRole('checkbox')).toBeDisabled();
    expect(within(await signalCard('phash')).getByRole('checkbox')).toBeEnabled();

    expect(screen.getByTestId('dedup-evidence')).toHaveTextContent('672 duplicate / not-duplicate decisions');
    const weights = screen.getByRole('table', { name: 'Anomaly weights' });
    expect(within(weights).getByText('Ranking agreement (AUC)').closest('tr')).toHaveTextContent(
      /0\.712.*0\.784/,
    );
    expect(weights.querySelector('[data-component="dnn"]')).toHaveTextContent(/0\.30.*0\.50/);
    expect(screen.getAllByText('Nothing applied yet', { exact: false })).toHaveLength(2);
  });

  it('says how many decisions are missing when no signal has enough', async () => {
    const report = qualityThresholds();
    report.dedup.signals = report.dedup.signals.map(({ suggested: _suggested, ...signal }) => ({
      ...signal,
      duplicates: 3,
      not_duplicates: 0,
      reason: 'not_enough_decisions' as const,
    }));
    const { suggested: _weights, ...anomaly } = report.anomaly;
    report.anomaly = { ...anomaly, anomalies: 2, ok: 12, reason: 'not_enough_decisions' };
    thresholdsApi(report);
    renderView(<ThresholdsView />);

    for (const signal of ['cosine', 'cosine_near', 'phash', 'inliers'])
      expect(within(await signalCard(signal)).getByTestId('suggestion')).toHaveTextContent(
        'Not enough decisions: 3 of 10 duplicates, 0 of 10 not duplicates',
      );
    expect(screen.getByRole('button', { name: /Apply selected/ })).toBeDisabled();
    expect(screen.getByTestId('dedup-apply-hint')).toHaveTextContent(
      'No suggestions yet: each signal needs 10 decisions of each verdict',
    );
    expect(screen.getByTestId('anomaly-suggested-auc')).toHaveTextContent(
      'Not enough reviews: 2 of 10 anomalies, 10 of 10 ok',
    );
    expect(screen.getByRole('button', { name: /Apply suggested weights/ })).toBeDisabled();
  });

  it('leaves everything disabled for a reviewer who is not an admin, and says why', async () => {
    thresholdsApi(qualityThresholds({ can_apply: false }));
    renderView(<ThresholdsView />);

    for (const signal of ['cosine', 'phash'])
      expect(within(await signalCard(signal)).getByRole('checkbox')).toBeDisabled();
    expect(screen.getByRole('button', { name: /Apply selected/ })).toBeDisabled();
    expect(screen.getAllByRole('button', { name: /Undo last change/ })[0]).toBeDisabled();
    expect(screen.getByRole('button', { name: /Apply suggested weights/ })).toBeDisabled();
    expect(screen.getByTestId('dedup-apply-hint')).toHaveTextContent('Only admins may apply or undo');
    expect(screen.getByTestId('anomaly-apply-hint')).toHaveTextContent('Only admins may apply or undo');
    expect(screen.queryByTestId('admin-note')).not.toBeInTheDocument();
  });

  it('applies the selected suggestions only after a confirmation that names each change', async () => {
    const api = thresholdsApi(qualityThresholds());
    const { user } = renderView(<ThresholdsView />);

    const apply = await screen.findByRole('button', { name: /Apply selected/ });
    expect(apply).toBeDisabled();
    await user.click(within(await signalCard('cosine')).getByRole('checkbox'));
    await user.click(within(await signalCard('phash')).getByRole('checkbox'));
    expect(apply).toHaveTextContent('Apply selected (2)');
    await user.click(apply);

    const dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent('Apply these 2 thresholds?');
    expect(within(dialog).getByText('cosineSimilar 0.90 → 0.805')).toBeInTheDocument();
    expect(within(dialog).getByText('phashMax 6 → 18')).toBeInTheDocument();
    expect(dialog).toHaveTextContent('future duplicate sweeps and upload checks');
    expect(dialog).toHaveTextContent('Existing groups change at the next sweep');
    expect(api.applied).toEqual([]);

    const gets = api.state.gets;
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(api.applied).toEqual([{ scope: 'dedup', signals: ['cosine', 'phash'] }]));
    expect(await screen.findByText('Thresholds applied (version 1)')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    await waitFor(() => expect(api.state.gets).toBeGreaterThan(gets));
  });

  it('sends nothing when the confirmation is cancelled', async () => {
    const api = thresholdsApi(qualityThresholds());
    const { user } = renderView(<ThresholdsView />);
    await user.click(within(await signalCard('phash')).getByRole('checkbox'));
    await user.click(screen.getByRole('button', { name: /Apply selected/ }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(api.applied).toEqual([]);
  });

  it('shows a refusal (422) in the dialog, which stays open', async () => {
    thresholdsApi(qualityThresholds());
    server.use(
      http.post(url('/api/quality/thresholds/apply'), () =>
        unprocessable(
          422,
          'Unprocessable content',
          'every suggestion equals the value in force',
          'nothing_to_apply',
        ),
      ),
    );
    const { user } = renderView(<ThresholdsView />);
    await user.click(within(await signalCard('cosine')).getByRole('checkbox'));
    await user.click(screen.getByRole('button', { name: /Apply selected/ }));
    const dialog = await screen.findByRole('alertdialog');
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));

    const alert = await within(dialog).findByTestId('problem-alert');
    expect(alert).toHaveTextContent('Unprocessable content');
    expect(alert).toHaveTextContent('HTTP 422');
    expect(alert).toHaveTextContent('every suggestion equals the value in force');
    expect(alert).toHaveTextContent('reason: nothing_to_apply');
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
  });

  it('undoes the version in force after a confirmation, and shows a conflict (409) in place', async () => {
    const version = settingsVersion(2, { settings: { phashMax: 18 }, previous: {} });
    const report = qualityThresholds();
    report.dedup = {
      ...report.dedup,
      applied: version,
      history: [version, settingsVersion(1, { undone_by: 'admin', undone_at: '2026-12-06T13:00:00.000Z' })],
    };
    const api = thresholdsApi(report);
    const { user } = renderView(<ThresholdsView />);

    const history = await screen.findByRole('table', { name: 'Applied dedup versions' });
    const rows = within(history).getAllByRole('row');
    expect(rows[1]).toHaveTextContent(/v2.*phashMax → 18.*admin.*in force/);
    expect(rows[2]).toHaveTextContent(/v1.*undone.*by admin/);

    const undo = screen.getAllByRole('button', { name: /Undo last change/ })[0]!;
    await user.click(undo);
    let dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent('Undo version 2?');
    expect(within(dialog).getByText("phashMax 18 → the deployment's value")).toBeInTheDocument();
    expect(dialog).toHaveTextContent("The deployment's settings (environment and defaults) apply again");
    await user.click(within(dialog).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(api.undone).toEqual([{ scope: 'dedup' }]));
    expect(await screen.findByText('Version 2 undone')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());

    server.use(
      http.post(url('/api/quality/thresholds/undo'), () =>
        unprocessable(409, 'Conflict', 'nothing applied to undo', 'nothing_applied'),
      ),
    );
    await user.click(undo);
    dialog = await screen.findByRole('alertdialog');
    await user.click(within(dialog).getByRole('button', { name: 'Undo' }));
    const alert = await within(dialog).findByTestId('problem-alert');
    expect(alert).toHaveTextContent('Conflict');
    expect(alert).toHaveTextContent('HTTP 409');
    expect(alert).toHaveTextContent('nothing applied to undo');
  });

  it('applies the suggested weights and follows the recompute job', async () => {
    const api = thresholdsApi(qualityThresholds());
    let polls = 0;
    server.use(
      http.get(url('/api/jobs/:id'), ({ params }) => {
        polls += 1;
        return HttpResponse.json({
          job_id: String(params.id),
          kind: 'anomaly-recompute',
          state: polls > 1 ? 'succeeded' : 'running',
          done: polls > 1 ? 40 : 12,
          total: 40,
          failures: [],
        });
      }),
    );
    const { user } = renderView(<ThresholdsView />);
    await user.click(await screen.findByRole('button', { name: /Apply suggested weights/ }));
    const dialog = await screen.findByRole('alertdialog');
    for (const line of ['dnn 0.30 → 0.50', 'density 0.30 → 0.20', 'ood 0.25 → 0.20', 'quality 0.15 → 0.10'])
      expect(within(dialog).getByText(line)).toBeInTheDocument();
    expect(dialog).toHaveTextContent('recompute job');
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));

    await waitFor(() => expect(api.applied).toEqual([{ scope: 'anomaly' }]));
    expect(await screen.findByTestId('recompute-progress')).toHaveTextContent('12 of 40 images');
    expect(
      await screen.findByText('Anomaly scores recomputed with the new weights', {}, { timeout: 3000 }),
    ).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId('recompute-progress')).not.toBeInTheDocument());
  });

  it('shows a failed read in place with a retry', async () => {
    server.use(
      http.get(url('/api/quality/thresholds'), () =>
        unprocessable(503, 'Service unavailable', 'dedup service is busy', 'busy'),
      ),
    );
    renderView(<ThresholdsView />);
    const alert = await screen.findByTestId('problem-alert');
    expect(alert).toHaveTextContent('dedup service is busy');
    expect(within(alert).getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
