import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { ImageRecord, Job } from '@/api/types';

import { imageRecord } from '../../../test/fixtures';
import { problemResponse, url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

const JOB = '01JSAMPLEJOB00000000000000';

function sampleJob(overrides: Partial<Job>): Job {
  return {
    job_id: JOB,
    kind: 'ingest-batch',
    state: 'running',
    done: 0,
    total: 57,
    failures: [],
    failed: 0,
    created_at: '2025-05-03T08:00:00.000Z',
    updated_at: '2025-05-03T08:00:01.000Z',
    ...overrides,
  };
}

describe('library view', () => {
  it('is where / leads, and lists the images newest first with their tags', async () => {
    server.use(
      http.get(url('/api/images'), () =>
        HttpResponse.json({
          images: [
            imageRecord('01JIMG0000000000000000000B', { tags: ['sample'] }),
            imageRecord('01JIMG0000000000000000000A'),
          ],
        }),
      ),
    );
    const { router } = renderApp('/');
    expect(await screen.findByRole('heading', { name: 'Library' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/images');
    expect(await screen.findByTestId('library-count')).toHaveTextContent('2 images');
    expect(screen.getByRole('link', { name: /Library/ })).toHaveAttribute('aria-current', 'page');
  });

  it('offers the sample images in an empty library, follows the job and shows the images', async () => {
    let posts = 0;
    let polls = 0;
    let images: ImageRecord[] = [];
    server.use(
      http.get(url('/api/images'), () => HttpResponse.json({ images })),
      http.post(url('/api/images/samples'), () => {
        posts += 1;
        return HttpResponse.json({ job_id: JOB, status_url: `/api/jobs/${JOB}` }, { status: 202 });
      }),
      http.get(url(`/api/jobs/${JOB}`), () => {
        polls += 1;
        if (polls === 1) return HttpResponse.json(sampleJob({ done: 20 }));
        images = Array.from({ length: 3 }, (_, i) =>
          imageRecord(`01JIMG000000000000000000${i}X`, { tags: ['sample'] }),
        );
        return HttpResponse.json(sampleJob({ state: 'succeeded', done: 57 }));
      }),
    );
    const { user } = renderApp('/images');
    expect(await screen.findByText('Your library is empty')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Upload images/ })).toHaveAttribute('href', '/upload');

    await user.click(screen.getByRole('button', { name: /Load sample images/ }));

    expect(await screen.findByTestId('sample-progress')).toHaveTextContent('20 of 57 indexed');
    expect(await screen.findByTestId('library-count', {}, { timeout: 4000 })).toHaveTextContent('3 images');
    await waitFor(() => expect(screen.queryByTestId('sample-progress')).not.toBeInTheDocument());
    expect(await screen.findByText('Sample images loaded: 57 of 57')).toBeInTheDocument();
    expect(posts).toBe(1);
  });

  it('says why where the server has no samples, and leaves only the upload', async () => {
    server.use(
      http.post(url('/api/images/samples'), () =>
        problemResponse(
          501,
          'Not implemented',
          'This server has no sample images (SAMPLES_DIR is not set on the ingest service)',
        ),
      ),
    );
    const { user } = renderApp('/images');
    await user.click(await screen.findByRole('button', { name: /Load sample images/ }));

    const alert = await screen.findByTestId('problem-alert');
    expect(alert).toHaveTextContent('SAMPLES_DIR is not set');
    expect(screen.queryByRole('button', { name: /Load sample images/ })).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Upload images/ })).toBeInTheDocument();
  });

  it('shows the library another tab filled meanwhile when the server answers 409', async () => {
    let images: ImageRecord[] = [];
    server.use(
      http.get(url('/api/images'), () => HttpResponse.json({ images })),
      http.post(url('/api/images/samples'), () => {
        images = [imageRecord('01JIMG0000000000000000000C')];
        return problemResponse(409, 'Conflict', 'Your library already has images');
      }),
    );
    const { user } = renderApp('/images');
    await user.click(await screen.findByRole('button', { name: /Load sample images/ }));
    expect(await screen.findByTestId('library-count')).toHaveTextContent('1 image');
  });
});
