import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { listedVideo } from '../../../test/fixtures';
import { problemResponse, url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

describe('videos route', () => {
  it('lists the videos with poster, duration, shots and status, and loads the next page', async () => {
    const cursors: (string | null)[] = [];
    server.use(
      http.get(url('/api/videos'), ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor');
        cursors.push(cursor);
        return HttpResponse.json(
          cursor === 'page-2'
            ? { videos: [listedVideo('VID_OLD', { duration_ms: 125_400 })] }
            : {
                videos: [
                  listedVideo('VID_NEW', {
                    status: 'extracting',
                    poster_image_id: '',
                    shots: [],
                    frames_total: 0,
                    frames_done: 0,
                  }),
                  listedVideo('VID_MID'),
                ],
                next_cursor: 'page-2',
              },
        );
      }),
    );
    const { user, router } = renderApp('/videos');
    expect(await screen.findByRole('heading', { name: 'Videos' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Videos' })).toHaveAttribute('aria-current', 'page');

    const cards = await screen.findAllByTestId('video-card');
    expect(cards).toHaveLength(2);
    // Still extracting: a placeholder instead of the poster, no shots yet.
    expect(within(cards[0]!).getByTestId('video-poster-placeholder')).toHaveTextContent('Extracting frames…');
    expect(within(cards[0]!).getByTestId('video-status')).toHaveTextContent('Extracting');
    expect(within(cards[0]!).getByTestId('video-shots')).toHaveTextContent('Shots pending');
    // Indexed: the poster frame's thumbnail (from its image record), the duration and the shot count.
    expect(await within(cards[1]!).findByRole('img', { name: 'Poster of video VID_MID' })).toHaveAttribute(
      'src',
      expect.stringContaining('#thumb-VID_MID-F0'),
    );
    expect(within(cards[1]!).getByTestId('video-duration')).toHaveTextContent('0:06');
    expect(within(cards[1]!).getByTestId('video-shots')).toHaveTextContent('3 shots');
    expect(within(cards[1]!).getByTestId('video-status')).toHaveTextContent('Indexed');

    await user.click(screen.getByRole('button', { name: 'Load more videos' }));
    await waitFor(() => expect(screen.getAllByTestId('video-card')).toHaveLength(3));
    expect(within(screen.getAllByTestId('video-card')[2]!).getByTestId('video-duration')).toHaveTextContent(
      '2:05',
    );
    expect(cursors).toEqual([null, 'page-2']);
    expect(screen.queryByRole('button', { name: 'Load more videos' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('link', { name: 'Open video VID_MID' }));
    expect(router.state.location.pathname).toBe('/videos/VID_MID');
  });

  it('says what to do when there are no videos yet', async () => {
    renderApp('/videos');
    const empty = await screen.findByTestId('empty-state');
    expect(empty).toHaveTextContent('No videos yet');
    expect(within(empty).getByRole('link', { name: /Upload a video/ })).toHaveAttribute('href', '/upload');
  });

  it("shows the server's problem when the list cannot be read", async () => {
    server.use(http.get(url('/api/videos'), () => problemResponse(503, 'Unavailable', 'No ingest instance')));
    renderApp('/videos');
    expect(await screen.findByTestId('problem-alert')).toHaveTextContent('No ingest instance');
  });
});
