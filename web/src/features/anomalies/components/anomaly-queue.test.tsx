import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { AnomalyItem, AnomalyReviewRequest } from '@/api/types';

import { anomaly } from '../../../../test/fixtures';
import { problemResponse, url } from '../../../../test/handlers';
import { server } from '../../../../test/msw-server';
import { renderView } from '../../../../test/render';
import { AnomalyQueue } from './anomaly-queue';

function queueApi(items: AnomalyItem[]) {
  const reviews: { id: string; body: AnomalyReviewRequest }[] = [];
  const methods: string[] = [];
  server.use(
    http.get(url('/api/qa/anomalies'), ({ request }) => {
      methods.push(new URL(request.url).searchParams.get('method') ?? '');
      const open = items.filter((i) => !reviews.some((r) => r.id === i.image_id));
      return HttpResponse.json({ items: open, next_cursor: '' });
    }),
    http.post(url('/api/qa/anomalies/:id/review'), async ({ params, request }) => {
      const body = (await request.json()) as AnomalyReviewRequest;
      reviews.push({ id: String(params.id), body });
      return HttpResponse.json({
        ...items.find((i) => i.image_id === params.id)!,
        status: 'reviewed',
        verdict: body.verdict,
      });
    }),
  );
  return { reviews, methods };
}

const noop = () => {};
const queueIds = () =>
  within(screen.getByRole('list', { name: 'Anomaly queue' }))
    .getAllByRole('button')
    .map((b) => b.textContent?.match(/IMG_[A-Z0-9]+/)?.[0]);

describe('anomaly queue', () => {
  it('shows the queue with the score components of the current image', async () => {
    queueApi([anomaly('IMG_A', 0.93), anomaly('IMG_B', 0.71)]);
    renderView(<AnomalyQueue onOpenImage={noop} />);
    const current = await screen.findByTestId('anomaly-current');
    expect(within(current).getByTestId('anomaly-score')).toHaveTextContent('0.93');
    expect(within(current).getByText('IMG_A')).toBeInTheDocument();
    expect(within(current).getByText('Dark')).toBeInTheDocument();
    expect(within(current).getByText('Density').nextSibling?.nextSibling).toHaveTextContent('0.74');
    expect(queueIds()).toEqual(['IMG_A', 'IMG_B']);
  });

  it('is driven from the keyboard: j moves down, a marks an anomaly, o marks ok', async () => {
    const { reviews } = queueApi([anomaly('IMG_A', 0.93), anomaly('IMG_B', 0.71), anomaly('IMG_C', 0.6)]);
    const { user } = renderView(<AnomalyQueue onOpenImage={noop} />);
    await screen.findByTestId('anomaly-current');

    await user.keyboard('j');
    expect(within(screen.getByTestId('anomaly-current')).getByText('IMG_B')).toBeInTheDocument();
    await user.keyboard('a');
    await waitFor(() => expect(queueIds()).toEqual(['IMG_A', 'IMG_C']));
    expect(within(screen.getByTestId('anomaly-current')).getByText('IMG_C')).toBeInTheDocument();
    await user.keyboard('k');
    await user.keyboard('o');

    await waitFor(() => expect(reviews).toHaveLength(2));
    expect(reviews).toEqual([
      { id: 'IMG_B', body: { verdict: 'anomaly' } },
      { id: 'IMG_A', body: { verdict: 'ok' } },
    ]);
    await waitFor(() => expect(queueIds()).toEqual(['IMG_C']));
  });

  it('puts the image back in the queue when the verdict is not saved', async () => {
    queueApi([anomaly('IMG_A', 0.93), anomaly('IMG_B', 0.71)]);
    server.use(
      http.post(url('/api/qa/anomalies/:id/review'), () =>
        problemResponse(503, 'Service unavailable', 'anomaly service is busy'),
      ),
    );
    const { user } = renderView(<AnomalyQueue onOpenImage={noop} />);
    await screen.findByTestId('anomaly-current');
    await user.click(screen.getByRole('button', { name: /Anomaly a/ }));

    expect(await screen.findByText(/The verdict was not saved/)).toBeInTheDocument();
    expect(screen.getByText(/anomaly service is busy/)).toBeInTheDocument();
    await waitFor(() => expect(queueIds()).toEqual(['IMG_A', 'IMG_B']));
  });

  it('asks the API for the chosen sorting method', async () => {
    const { methods } = queueApi([anomaly('IMG_A', 0.9)]);
    const { user } = renderView(<AnomalyQueue onOpenImage={noop} />);
    await screen.findByTestId('anomaly-current');
    await user.selectOptions(screen.getByLabelText('Sort by'), 'density');
    await waitFor(() => expect(methods).toEqual(['combined', 'density']));
  });

  it('sends reviewer feedback for the current image', async () => {
    queueApi([anomaly('IMG_A', 0.9)]);
    let feedback: unknown;
    server.use(
      http.post(url('/api/feedback'), async ({ request }) => {
        feedback = await request.json();
        return HttpResponse.json({
          feedback_id: 'f1',
          image_id: 'IMG_A',
          action: 'irrelevant',
          user_id: 'reviewer',
          created_at: '',
        });
      }),
    );
    const { user } = renderView(<AnomalyQueue onOpenImage={noop} />);
    await screen.findByTestId('anomaly-current');
    await user.click(screen.getByRole('button', { name: /Irrelevant/ }));
    await waitFor(() => expect(feedback).toEqual({ image_id: 'IMG_A', action: 'irrelevant' }));
    expect(await screen.findByText('Feedback sent: irrelevant')).toBeInTheDocument();
  });

  it('says the queue is empty when nothing is open', async () => {
    queueApi([]);
    renderView(<AnomalyQueue onOpenImage={noop} />);
    expect(await screen.findByText('The review queue is empty')).toBeInTheDocument();
  });
});
