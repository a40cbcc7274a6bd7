import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';

import { group, imageRecord, searchHit } from '../../../test/fixtures';
import { problemResponse, url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

describe('image detail route', () => {
  it('shows the preview, payload, quality flags, NSFW score, similar images, duplicate group and feedback', async () => {
    server.use(
      http.get(url('/api/images/:id'), ({ params }) =>
        HttpResponse.json(
          imageRecord(String(params.id), { quality_flags: ['blurry'], nsfw_score: 0.07, tags: ['studio'] }),
        ),
      ),
      http.post(url('/api/search/similar'), () =>
        HttpResponse.json({ query_id: 'q', model_name: 'm', hits: [searchHit('IMG_SIM', 0.91)] }),
      ),
      http.get(url('/api/dedup/groups'), ({ request }) =>
        HttpResponse.json({
          groups:
            new URL(request.url).searchParams.get('status') === 'open'
              ? [group('G1', 'near', ['IMG_1', 'IMG_COPY'])]
              : [],
          next_cursor: '',
        }),
      ),
    );
    renderApp('/images/IMG_1');
    const detail = await screen.findByTestId('image-detail');
    expect(await within(detail).findByTestId('detail-preview')).toHaveAttribute(
      'src',
      expect.stringContaining('preview-IMG_1'),
    );
    expect(within(detail).getByText('Blurry')).toBeInTheDocument();
    expect(within(detail).getByTestId('nsfw-score')).toHaveTextContent('NSFW 7%');
    expect(within(detail).getByText('sha-IMG_1')).toBeInTheDocument();
    expect(within(detail).getByText('studio')).toBeInTheDocument();
    expect(
      await within(detail).findByRole('button', { name: 'Open similar image IMG_SIM' }),
    ).toBeInTheDocument();
    expect(
      await within(detail).findByRole('button', { name: 'Open group member IMG_COPY' }),
    ).toBeInTheDocument();
    expect(await within(detail).findByRole('list', { name: 'Feedback history' })).toHaveTextContent(
      'relevant',
    );
  });

  it('says when the image is a frame of a video and links the video at that time', async () => {
    server.use(
      http.get(url('/api/images/:id'), ({ params }) =>
        HttpResponse.json(
          imageRecord(
            String(params.id),
            { source: 'upload' },
            {
              video_id: 'VID_1',
              frame_index: 100,
              t_ms: 4000,
              shot_id: 2,
            },
          ),
        ),
      ),
    );
    const { user, router } = renderApp('/images/VID_1-F4000');
    const note = await screen.findByTestId('video-frame-link');
    expect(note).toHaveTextContent('Frame of a video at 0:04');
    const link = within(note).getByRole('link', { name: 'Play from 0:04' });
    expect(link).toHaveAttribute('href', '/videos/VID_1?t=4000');
    await user.click(link);
    expect(router.state.location.pathname).toBe('/videos/VID_1');
    expect(router.state.location.search).toBe('?t=4000');
    expect(await screen.findByTestId('video-player')).toBeInTheDocument();
  });

  it('shows no video link for an uploaded image', async () => {
    renderApp('/images/IMG_1');
    await screen.findByTestId('detail-preview');
    expect(screen.queryByTestId('video-frame-link')).not.toBeInTheDocument();
  });

  it('copies the image id to the clipboard', async () => {
    const { user } = renderApp('/images/IMG_1');
    const writeText = vi.spyOn(navigator.clipboard, 'writeText');
    await user.click(await screen.findByRole('button', { name: /Copy image id/ }));
    expect(writeText).toHaveBeenCalledWith('IMG_1');
    expect(await screen.findByText('Image id copied')).toBeInTheDocument();
  });

  it('adds a tag at once and keeps it when the server agrees', async () => {
    let patch: unknown;
    server.use(
      http.patch(url('/api/images/:id'), async ({ request, params }) => {
        patch = await request.json();
        return HttpResponse.json(imageRecord(String(params.id), { tags: ['catalogue', 'hero'] }));
      }),
    );
    const { user } = renderApp('/images/IMG_1');
    await user.type(await screen.findByLabelText('Add tags'), 'hero');
    await user.click(screen.getByRole('button', { name: 'Add' }));
    expect(await screen.findByText('hero')).toBeInTheDocument();
    expect(patch).toEqual({ tags: ['hero'], replace: false });
  });

  it('rolls a tag change back and explains why when the server refuses it', async () => {
    server.use(
      http.patch(url('/api/images/:id'), () =>
        problemResponse(400, 'Invalid request', 'tags must be at most 64 characters'),
      ),
    );
    const { user } = renderApp('/images/IMG_1');
    await user.click(await screen.findByRole('button', { name: 'Remove tag catalogue' }));
    expect(await screen.findByText('Tags were not saved')).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Remove tag catalogue' })).toBeInTheDocument(),
    );
  });

  it("shows the server's problem when the image does not exist", async () => {
    server.use(
      http.get(url('/api/images/:id'), () =>
        problemResponse(404, 'Not found', 'No image IMG_X in your library'),
      ),
    );
    renderApp('/images/IMG_X');
    const alert = await screen.findByTestId('problem-alert');
    expect(alert).toHaveTextContent('No image IMG_X in your library');
    // Similar images and groups of an image that cannot be read are not asked for.
    expect(screen.queryByText('Similar images')).not.toBeInTheDocument();
  });

  it('switches between light and dark themes', async () => {
    const { user } = renderApp('/images/IMG_1');
    const toggle = await screen.findByRole('button', { name: /^Theme: system/ });
    await user.click(toggle);
    expect(document.documentElement).not.toHaveClass('dark');
    await user.click(screen.getByRole('button', { name: /^Theme: light/ }));
    expect(document.documentElement).toHaveClass('dark');
    expect(localStorage.getItem('lookalike.theme')).toBe('dark');
  });
});
