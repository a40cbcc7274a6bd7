import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';

import { recordEveryCanvas } from '../../../test/canvas';
import { embeddingMap, extractionJob, stats } from '../../../test/fixtures';
import { problemResponse, url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

/** Where a map point is drawn in jsdom: the test setup gives every element a 1024×800 box (fitView, 16 px padding). */
const screenOf = (x: number, y: number) => ({ clientX: 128 + x * 768, clientY: 16 + y * 768 });

describe('overview route', () => {
  beforeEach(() => {
    recordEveryCanvas();
  });

  it('shows the numbers of GET /api/stats, each linking to where the work is', async () => {
    renderApp('/overview');
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');

    const library = await screen.findByTestId('stat-library');
    expect(within(library).getByTestId('stat-value')).toHaveTextContent('1,234');
    expect(library).toHaveTextContent(/Videos\s*3/);
    expect(library).toHaveTextContent(/Key frames\s*36/);
    expect(library).toHaveTextContent(/Processing\s*3/);
    expect(within(library).getByRole('link', { name: /Open the library/ })).toHaveAttribute(
      'href',
      '/images',
    );
    expect(within(library).getByRole('link', { name: 'Videos' })).toHaveAttribute('href', '/videos');

    const duplicates = screen.getByTestId('stat-duplicates');
    expect(within(duplicates).getByTestId('stat-value')).toHaveTextContent('2%');
    expect(duplicates).toHaveTextContent('23 redundant copies of 1,234 images');
    const near = within(duplicates).getByTestId('tier-near');
    expect(near).toHaveTextContent(/Near\s*12\s*17\s*5/);
    expect(within(near).getByRole('link', { name: 'Near' })).toHaveAttribute('href', '/dedupe?kind=near');
    expect(within(duplicates).getByRole('link', { name: 'Exact' })).toHaveAttribute(
      'href',
      '/dedupe?kind=exact',
    );
    // The review link goes to the tier with the most open groups.
    expect(within(duplicates).getByRole('link', { name: /Review duplicates/ })).toHaveAttribute(
      'href',
      '/dedupe?kind=near',
    );

    const groups = screen.getByTestId('stat-groups');
    expect(within(groups).getByTestId('stat-value')).toHaveTextContent('18');
    expect(groups).toHaveTextContent(/Resolved\s*16/);
    expect(within(groups).getByRole('link', { name: 'Video groups' })).toHaveAttribute(
      'href',
      '/dedupe?media=video',
    );

    const anomalies = screen.getByTestId('stat-anomalies');
    expect(within(anomalies).getByTestId('stat-value')).toHaveTextContent('7');
    expect(anomalies).toHaveTextContent(/Oldest waits\s*2 d/);
    expect(anomalies).toHaveTextContent(/Flagged from\s*0\.65/);
    expect(within(anomalies).getByRole('link', { name: /Review anomalies/ })).toHaveAttribute(
      'href',
      '/anomalies',
    );

    const reviews = screen.getByTestId('stat-reviews');
    expect(within(reviews).getByTestId('stat-value')).toHaveTextContent('42');
    expect(reviews).toHaveTextContent(/Last hour\s*5/);
    expect(within(reviews).getByRole('link', { name: /Thresholds they suggest/ })).toHaveAttribute(
      'href',
      '/quality/thresholds',
    );

    const uploads = screen.getByTestId('stat-uploads');
    expect(within(uploads).getByTestId('stat-value')).toHaveTextContent('129');
    expect(uploads).toHaveTextContent('in the last 7 days');
    expect(uploads).toHaveTextContent(/Added\s*120/);
    expect(uploads).toHaveTextContent(/Duplicate\s*8/);
    expect(uploads).toHaveTextContent(/Rejected\s*1/);
  });

  it('keeps the window in the address and asks the server for it', async () => {
    const windows: (string | null)[] = [];
    server.use(
      http.get(url('/api/stats'), ({ request }) => {
        const window = new URL(request.url).searchParams.get('window');
        windows.push(window);
        return HttpResponse.json(stats(window === '24h' || window === '30d' ? window : '7d'));
      }),
    );
    const { user, router } = renderApp('/overview?window=30d');
    expect(await screen.findByRole('tab', { name: '30 days' })).toHaveAttribute('aria-selected', 'true');
    await waitFor(() => expect(screen.getAllByTestId('chart-summary')[0]).toHaveTextContent('in 30 days'));
    expect(screen.getByTestId('stat-uploads')).toHaveTextContent('in the last 30 days');

    await user.click(screen.getByRole('tab', { name: '24 h' }));
    expect(router.state.location.search).toBe('?window=24h');
    await waitFor(() => expect(screen.getAllByTestId('chart-summary')[0]).toHaveTextContent('in 24 hours'));
    // Uploads summed over the hourly buckets: 0 + 1 + … + 22, then 100 in the current hour.
    expect(screen.getAllByTestId('chart-summary')[0]).toHaveTextContent('353 uploads in 24 hours');
    // The backlog is a level: its chart says where it stands now.
    expect(screen.getAllByTestId('chart-summary')[3]).toHaveTextContent('33 open groups now');

    await user.click(screen.getByRole('tab', { name: '7 days' }));
    expect(router.state.location.search).toBe('');
    expect(windows).toEqual(['30d', '24h', '7d']);
  });

  it('shows a problem when the numbers cannot be read', async () => {
    server.use(
      http.get(url('/api/stats'), () => problemResponse(503, 'Service unavailable', 'feedback is down')),
    );
    renderApp('/overview');
    expect(await screen.findByText('feedback is down')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('draws the map with its facts and legend; colours switch the legend', async () => {
    server.use(
      http.get(url('/api/stats/map'), () =>
        HttpResponse.json(embeddingMap(12, { sampled: true, total_points: 80_000 })),
      ),
    );
    const { user } = renderApp('/overview');
    const canvas = await screen.findByTestId('map-canvas');
    expect(canvas).toHaveAttribute('data-points', '12');
    expect(canvas).toHaveAccessibleName('Embedding map of 12 images, coloured by duplicate group');
    expect(screen.getByTestId('map-sampled')).toHaveTextContent('Sampled: 12 of 80,000 points');
    expect(screen.getByTestId('map-facts')).toHaveTextContent(
      /computed at .* with model clip-vit-b32 \(UMAP\)/,
    );
    expect(screen.getByTestId('map-status')).toHaveTextContent('ready');

    const legend = screen.getByTestId('map-legend');
    expect(legend).toHaveTextContent('In one of 2 open duplicate groups, a colour each4');
    expect(legend).toHaveTextContent('In no open group8');

    await user.click(screen.getByRole('tab', { name: 'Anomaly' }));
    expect(legend).toHaveTextContent('Anomaly score11');
    expect(legend).toHaveTextContent('Not scored1');
    await user.click(screen.getByRole('tab', { name: 'Tag' }));
    expect(legend).toHaveTextContent('beach6');
    expect(legend).toHaveTextContent('Untagged6');
  });

  it('shows a hovered point with its thumbnail, fetched once the pointer rests, and opens it on click', async () => {
    const fetched: string[] = [];
    server.use(
      http.get(url('/api/images/:id'), ({ params }) => {
        fetched.push(String(params.id));
        return HttpResponse.json({
          image_id: String(params.id),
          payload: { tags: [] },
          status: 'indexed',
          preview_url: `data:,#preview-${String(params.id)}`,
          thumbnail_url: `data:,#thumb-${String(params.id)}`,
          updated_at: '2026-12-06T12:00:00.000Z',
        });
      }),
    );
    const { router } = renderApp('/overview');
    const canvas = await screen.findByTestId('map-canvas');
    // Points lie on the diagonal: IMG000 at (0, 0) … IMG011 at (1, 1). Pass over two, rest on the third.
    fireEvent.pointerMove(canvas, screenOf(1 / 11, 1 / 11));
    fireEvent.pointerMove(canvas, screenOf(2 / 11, 2 / 11));
    fireEvent.pointerMove(canvas, screenOf(3 / 11 + 0.002, 3 / 11));
    const tooltip = await screen.findByTestId('map-tooltip');
    expect(tooltip).toHaveTextContent('IMG003');
    expect(tooltip).toHaveTextContent(/Group\s*near group/);
    expect(await within(tooltip).findByRole('img', { name: 'Thumbnail of image IMG003' })).toHaveAttribute(
      'src',
      'data:,#thumb-IMG003',
    );
    expect(fetched).toEqual(['IMG003']);

    // Away from every point the tooltip goes.
    fireEvent.pointerMove(canvas, screenOf(0.9, 0.1));
    await waitFor(() => expect(screen.queryByTestId('map-tooltip')).not.toBeInTheDocument());

    fireEvent.pointerDown(canvas, { ...screenOf(5 / 11, 5 / 11), pointerId: 1 });
    fireEvent.pointerUp(canvas, { ...screenOf(5 / 11, 5 / 11), pointerId: 1 });
    await waitFor(() => expect(router.state.location.search).toBe('?image=IMG005'));
  });

  it('pans on a drag instead of opening a point', async () => {
    const { router } = renderApp('/overview');
    const canvas = await screen.findByTestId('map-canvas');
    const from = screenOf(5 / 11, 5 / 11);
    fireEvent.pointerDown(canvas, { ...from, pointerId: 1 });
    fireEvent.pointerMove(canvas, { clientX: from.clientX + 40, clientY: from.clientY, pointerId: 1 });
    fireEvent.pointerUp(canvas, { clientX: from.clientX + 40, clientY: from.clientY, pointerId: 1 });
    // Moved 40 px to the right (the map's left edge was at 128 px), and nothing opened.
    await waitFor(() => expect(viewOf(canvas)[1]).toBeCloseTo(168));
    expect(viewOf(canvas)).toEqual([768, expect.closeTo(168), 16]);
    expect(router.state.location.search).toBe('');
    fireEvent.click(screen.getByRole('button', { name: 'Reset the view' }));
    await waitFor(() => expect(viewOf(canvas)).toEqual([768, 128, 16]));
  });

  it('offers to compute a missing map, follows the job, then shows the points', async () => {
    let computed = false;
    let polls = 0;
    server.use(
      http.get(url('/api/stats/map'), () =>
        HttpResponse.json(
          computed
            ? embeddingMap(5)
            : embeddingMap(0, { status: 'none', job_id: undefined, computed_at: undefined, total_points: 0 }),
        ),
      ),
      http.post(url('/api/stats/map'), () =>
        HttpResponse.json({ job_id: 'JOB_NEW', status_url: '/api/jobs/JOB_NEW' }, { status: 202 }),
      ),
      http.get(url('/api/jobs/:id'), () => {
        polls += 1;
        if (polls > 1) computed = true;
        return HttpResponse.json(
          extractionJob('JOB_NEW', {
            state: polls > 1 ? 'succeeded' : 'running',
            done: polls > 1 ? 100 : 40,
            total: 100,
          }),
        );
      }),
    );
    const { user } = renderApp('/overview');
    expect(await screen.findByText('No map yet')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Compute map' }));
    expect(await screen.findByTestId('map-progress')).toHaveTextContent('40%');
    expect(await screen.findByTestId('map-canvas', {}, { timeout: 5000 })).toHaveAttribute(
      'data-points',
      '5',
    );
    expect(await screen.findByText('Embedding map computed')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Recompute' })).toBeEnabled();
  });

  it('says the library is empty instead of offering a map of nothing', async () => {
    server.use(
      http.get(url('/api/stats'), () =>
        HttpResponse.json(
          stats('7d', {
            library: { stills: 0, frames: 0, videos: 0, indexed: 0, failed: 0, processing: 0 },
          }),
        ),
      ),
      http.get(url('/api/stats/map'), () =>
        HttpResponse.json(embeddingMap(0, { status: 'none', total_points: 0 })),
      ),
    );
    renderApp('/overview');
    expect(await screen.findByText('No images yet')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Compute map' })).not.toBeInTheDocument();
    expect(
      within(screen.getByTestId('embedding-map')).getByRole('link', { name: 'Open the library' }),
    ).toHaveAttribute('href', '/images');
  });
});

/** The view the canvas last drew with: scale, x and y offset. */
const viewOf = (canvas: HTMLElement) => (canvas.dataset.view ?? '').split(',').map(Number);
