import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';

import { listedVideo, videoDuplicate, videoRecord } from '../../../test/fixtures';
import { problemResponse, url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

/** jsdom loads no media: say the metadata is there, as a browser would once it has read the header. */
function metadataLoaded(player: HTMLVideoElement) {
  Object.defineProperty(player, 'readyState', { configurable: true, value: HTMLMediaElement.HAVE_METADATA });
  fireEvent.loadedMetadata(player);
}

describe('video route', () => {
  it('plays the video and shows its frames by shot with their times; a frame click seeks the player', async () => {
    const { user } = renderApp('/videos/VID_1');
    const player = await screen.findByTestId<HTMLVideoElement>('video-player');
    expect(player).toHaveAttribute('src', 'https://objects.test/VID_1.mp4?sig=1');
    expect(player).toHaveAttribute('controls');
    metadataLoaded(player);

    const strip = screen.getByRole('list', { name: 'Frames' });
    const shots = within(strip).getAllByTestId('filmstrip-shot');
    expect(shots).toHaveLength(3);
    expect(
      shots.map((s) =>
        within(s)
          .getAllByTestId('frame-time')
          .map((t) => t.textContent),
      ),
    ).toEqual([['0:00.0'], ['0:02.0'], ['0:04.0', '0:05.5']]);
    expect(shots[2]).toHaveTextContent('Shot 3');
    expect(shots[2]).toHaveTextContent('0:04.0–0:06.0');
    expect(within(strip).getByRole('img', { name: 'Frame at 0:02.0' })).toHaveAttribute(
      'src',
      expect.stringContaining('#thumb-VID_1-F2000'),
    );
    expect(screen.getByRole('button', { name: 'Play from 0:00.0 (shot 1)' })).toHaveAttribute(
      'aria-current',
      'true',
    );

    await user.click(screen.getByRole('button', { name: 'Play from 0:02.0 (shot 2)' }));
    expect(player.currentTime).toBe(2);
    expect(screen.getByRole('button', { name: 'Play from 0:02.0 (shot 2)' })).toHaveAttribute(
      'aria-current',
      'true',
    );
    await user.click(screen.getByRole('button', { name: 'Play from 0:05.5 (shot 3)' }));
    expect(player.currentTime).toBe(5.5);

    // What the probe read.
    expect(screen.getByText('h264 in MP4')).toBeInTheDocument();
    expect(screen.getByText('320 × 240')).toBeInTheDocument();
    expect(screen.getByText('25 fps')).toBeInTheDocument();
  });

  it('starts playback at ?t= once the player has the metadata', async () => {
    const play = vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
    renderApp('/videos/VID_1?t=4000');
    const player = await screen.findByTestId<HTMLVideoElement>('video-player');
    metadataLoaded(player);
    expect(player.currentTime).toBe(4);
    await waitFor(() => expect(play).toHaveBeenCalled());
    expect(screen.getByRole('button', { name: 'Play from 0:04.0 (shot 3)' })).toHaveAttribute(
      'aria-current',
      'true',
    );
  });

  it('seeks to a frame picked before the player has the metadata once it has them', async () => {
    const { user } = renderApp('/videos/VID_1');
    const player = await screen.findByTestId<HTMLVideoElement>('video-player');
    await user.click(await screen.findByRole('button', { name: 'Play from 0:04.0 (shot 3)' }));
    expect(screen.getByRole('button', { name: 'Play from 0:04.0 (shot 3)' })).toHaveAttribute(
      'aria-current',
      'true',
    );
    expect(player.currentTime).toBe(0);
    metadataLoaded(player);
    expect(player.currentTime).toBe(4);
  });

  it('opens the details of the frame on screen in the side panel', async () => {
    const { user, router } = renderApp('/videos/VID_1');
    await user.click(await screen.findByRole('button', { name: 'Play from 0:04.0 (shot 3)' }));
    await user.click(screen.getByRole('button', { name: /Frame at 0:04.0: details/ }));
    expect(router.state.location.search).toBe('?image=VID_1-F4000');
    expect(await screen.findByRole('dialog')).toBeInTheDocument();
  });

  it('lists near-duplicate videos with their signed offset, matched shares and frames', async () => {
    server.use(
      http.get(url('/api/videos/:id/duplicates'), () =>
        HttpResponse.json({
          duplicates: [
            videoDuplicate('VID_INTRO', {
              kind: 'similar',
              offset_ms: 4000,
              matched_share: 1,
              other_matched_share: 0.6,
              matched_frames: 4,
            }),
            videoDuplicate('VID_TRIM', {
              offset_ms: -3000,
              matched_share: 0.5,
              other_matched_share: 0.98,
              matched_frames: 2,
            }),
          ],
        }),
      ),
    );
    const { user, router } = renderApp('/videos/VID_1');
    const list = await screen.findByRole('list', { name: 'Near-duplicate videos' });
    const [intro, trim] = within(list).getAllByTestId('video-duplicate');
    expect(within(intro!).getByTestId('duplicate-kind')).toHaveTextContent('similar');
    expect(within(trim!).getByTestId('duplicate-kind')).toHaveTextContent('near');
    expect(within(intro!).getByTestId('duplicate-offset')).toHaveTextContent('offset +4.0 s');
    expect(intro).toHaveTextContent('plays 4.0 s later in the other video');
    expect(within(intro!).getByTestId('duplicate-coverage')).toHaveTextContent(
      'Matched frames cover 100% of this video and 60% of the other · 4 matched frames',
    );
    expect(within(trim!).getByTestId('duplicate-offset')).toHaveTextContent('offset \u22123.0 s');
    expect(trim).toHaveTextContent('plays 3.0 s earlier in the other video');
    expect(within(trim!).getByTestId('duplicate-coverage')).toHaveTextContent('50% of this video');
    expect(within(trim!).getByTestId('duplicate-coverage')).toHaveTextContent('98% of the other');
    expect(screen.getByText(/other time = this time \+ offset/)).toBeInTheDocument();
    // The best covered pair's tier, in the review of video groups.
    expect(screen.getByRole('link', { name: 'duplicate review' })).toHaveAttribute(
      'href',
      '/dedupe?kind=similar&media=video',
    );

    // The other video, at the moment this one shows (0:02 here is 0:06 there).
    await user.click(screen.getByRole('button', { name: 'Play from 0:02.0 (shot 2)' }));
    expect(within(intro!).getByRole('link', { name: /Play the other at 0:06/ })).toHaveAttribute(
      'href',
      '/videos/VID_INTRO?t=6000',
    );
    await user.click(within(trim!).getByRole('link', { name: 'VID_TRIM' }));
    expect(router.state.location.pathname).toBe('/videos/VID_TRIM');
    expect(await screen.findByTestId('video-player')).toHaveAttribute(
      'src',
      'https://objects.test/VID_TRIM.mp4?sig=1',
    );
  });

  it('says clearly when no other video is a near-duplicate', async () => {
    renderApp('/videos/VID_1');
    const empty = await screen.findByTestId('empty-state');
    expect(empty).toHaveTextContent('No near-duplicate videos');
  });

  it('shows the extraction under way and waits for it before looking for duplicates', async () => {
    let duplicatesAsked = false;
    server.use(
      http.get(url('/api/videos/:id'), ({ params }) => {
        const full = videoRecord(String(params.id));
        return HttpResponse.json({
          ...full,
          status: 'extracting',
          frames: full.frames.slice(0, 1),
          frames_total: 4,
          frames_done: 1,
        });
      }),
      http.get(url('/api/videos/:id/duplicates'), () => {
        duplicatesAsked = true;
        return HttpResponse.json({ duplicates: [] });
      }),
    );
    renderApp('/videos/VID_1');
    expect(await screen.findByText('Extracting frames: 1 of 4 indexed')).toBeInTheDocument();
    expect(screen.getAllByTestId('filmstrip-frame')).toHaveLength(1);
    expect(screen.getByText(/looked for once the frames of this video are indexed/)).toBeInTheDocument();
    expect(duplicatesAsked).toBe(false);
  });

  it("shows the server's problem when the video does not exist", async () => {
    server.use(
      http.get(url('/api/videos/:id'), () =>
        problemResponse(404, 'Not found', 'No video VID_X in your library'),
      ),
    );
    renderApp('/videos/VID_X');
    expect(await screen.findByTestId('problem-alert')).toHaveTextContent('No video VID_X in your library');
    expect(screen.queryByTestId('video-player')).not.toBeInTheDocument();
  });

  it('deletes the video after confirmation and goes back to the list', async () => {
    const deleted: string[] = [];
    server.use(
      http.delete(url('/api/videos/:id'), ({ params }) => {
        deleted.push(String(params.id));
        return HttpResponse.json({ video_id: String(params.id), deleted: true, frames_deleted: 4 });
      }),
      http.get(url('/api/videos'), () =>
        HttpResponse.json({ videos: deleted.includes('VID_1') ? [] : [listedVideo('VID_1')] }),
      ),
    );
    const { user, router } = renderApp('/videos/VID_1');
    await screen.findByTestId('video-player');
    await user.click(screen.getByRole('button', { name: 'Delete video' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog).toHaveTextContent('Delete this video?');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(deleted).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Delete video' }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/videos'));
    expect(deleted).toEqual(['VID_1']);
    expect(await screen.findByText('Video deleted')).toBeInTheDocument();
    expect(screen.getByText('4 key frames deleted with it')).toBeInTheDocument();
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();
  });

  it("shows the server's problem in the dialog when the deletion is refused, and stays", async () => {
    server.use(
      http.delete(url('/api/videos/:id'), () =>
        problemResponse(409, 'Conflict', 'The video is still being extracted; delete it once it is indexed.'),
      ),
    );
    const { user, router } = renderApp('/videos/VID_1');
    await user.click(await screen.findByRole('button', { name: 'Delete video' }));
    const dialog = await screen.findByRole('alertdialog');
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    const alert = await within(dialog).findByTestId('problem-alert');
    expect(alert).toHaveTextContent('Conflict');
    expect(alert).toHaveTextContent('still being extracted');
    expect(alert).toHaveTextContent('req-123');
    expect(router.state.location.pathname).toBe('/videos/VID_1');
    expect(within(dialog).getByRole('button', { name: 'Delete' })).toBeEnabled();
  });
});
