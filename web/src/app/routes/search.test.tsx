import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { SearchRequest } from '@/api/types';

import { imageOnlyModels, searchHit } from '../../../test/fixtures';
import { problemResponse, url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

function searchReturning(ids: string[], seen: SearchRequest[] = []) {
  server.use(
    http.post(url('/api/search/similar'), async ({ request }) => {
      const body = (await request.json()) as SearchRequest;
      seen.push(body);
      const offset = body.offset ?? 0;
      const page = ids.slice(offset, offset + (body.limit ?? 10));
      return HttpResponse.json({
        query_id: 'q-1',
        model_name: 'clip-vit-b32',
        hits: page.map((id, i) => searchHit(id, 0.99 - (offset + i) * 0.01)),
      });
    }),
  );
  return seen;
}

async function fill(user: ReturnType<typeof renderApp>['user'], label: string, text: string) {
  await user.click(screen.getByLabelText(label));
  await user.paste(text);
}

describe('search view', () => {
  it('asks for a query before searching', async () => {
    renderApp('/search');
    expect(await screen.findByText('Start a search')).toBeInTheDocument();
  });

  it('says which hits are frames of a video, and at what time', async () => {
    server.use(
      http.post(url('/api/search/similar'), () =>
        HttpResponse.json({
          query_id: 'q-1',
          model_name: 'clip-vit-b32',
          hits: [
            {
              ...searchHit('VID_1-F4000', 0.97),
              video: { video_id: 'VID_1', frame_index: 100, t_ms: 4000, shot_id: 2 },
            },
            searchHit('IMG_B', 0.9),
          ],
        }),
      ),
    );
    const { user } = renderApp('/search');
    await user.type(await screen.findByLabelText('…or an image id'), 'IMG_A');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    const tiles = await screen.findAllByTestId('grid-tile');
    expect(tiles[0]).toHaveTextContent('Video frame at 0:04');
    expect(tiles[1]).toHaveTextContent('IMG_B');
    expect(tiles[1]).not.toHaveTextContent('Video frame');
  });

  it('asks for one hit per video when toggled, and says how many frames of the video matched', async () => {
    const seen: SearchRequest[] = [];
    server.use(
      http.post(url('/api/search/similar'), async ({ request }) => {
        const body = (await request.json()) as SearchRequest;
        seen.push(body);
        const frame = (id: string, video: string, frames?: number) => ({
          ...searchHit(id, 0.95),
          video: { video_id: video, frame_index: 50, t_ms: 2000, shot_id: 1 },
          ...(frames === undefined ? {} : { video_frames: frames }),
        });
        return HttpResponse.json({
          query_id: 'q-1',
          model_name: 'clip-vit-b32',
          hits: body.group_by_video
            ? [frame('VID_1-F2000', 'VID_1', 3), frame('VID_2-F2000', 'VID_2', 1), searchHit('IMG_B', 0.9)]
            : [frame('VID_1-F2000', 'VID_1'), frame('VID_1-F4000', 'VID_1'), searchHit('IMG_B', 0.9)],
        });
      }),
    );
    const { user } = renderApp('/search?image_id=IMG_A');
    await screen.findByRole('grid', { name: 'Search results' });
    expect(seen[0]!.group_by_video).toBeUndefined();
    expect(screen.queryByTestId('video-frames')).not.toBeInTheDocument();

    await user.click(screen.getByRole('switch', { name: 'One hit per video' }));
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));
    await waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toMatchObject({ image_id: 'IMG_A', group_by_video: true });
    await screen.findByTestId('video-frames');
    const tiles = screen.getAllByTestId('grid-tile');
    expect(within(tiles[0]!).getByTestId('video-frames')).toHaveTextContent('3 frames');
    // A video with only this frame among the matches, and a still, say nothing more.
    expect(within(tiles[1]!).queryByTestId('video-frames')).not.toBeInTheDocument();
    expect(within(tiles[2]!).queryByTestId('video-frames')).not.toBeInTheDocument();
  });

  it('searches by image id and shows the hits with their scores in a grid', async () => {
    const seen = searchReturning(['IMG_COPY', 'IMG_B', 'IMG_C']);
    const { user } = renderApp('/search');
    await user.type(await screen.findByLabelText('…or an image id'), 'IMG_A');
    await user.click(screen.getByRole('button', { name: 'Search' }));

    const grid = await screen.findByRole('grid', { name: 'Search results' });
    const tiles = within(grid).getAllByTestId('grid-tile');
    expect(tiles.map((t) => t.getAttribute('aria-label'))).toEqual([
      'Open image IMG_COPY',
      'Open image IMG_B',
      'Open image IMG_C',
    ]);
    expect(tiles[0]).toHaveTextContent('0.990');
    expect(screen.getByTestId('result-count')).toHaveTextContent('3 results');
    expect(seen[0]).toMatchObject({
      image_id: 'IMG_A',
      exclude_self: true,
      include_payload: true,
      offset: 0,
    });
  });

  it('starts from a thumbnail link and opens the detail panel, moving with the arrow keys', async () => {
    searchReturning(['IMG_1', 'IMG_2']);
    const { user, router } = renderApp('/search?image_id=IMG_0');
    const grid = await screen.findByRole('grid', { name: 'Search results' });
    await user.click(within(grid).getAllByTestId('grid-tile')[0]!);

    const panel = await screen.findByRole('dialog');
    expect(within(panel).getByRole('heading', { name: 'IMG_1' })).toBeInTheDocument();
    expect(await within(panel).findByTestId('detail-preview')).toBeInTheDocument();
    expect(router.state.location.search).toContain('image=IMG_1');

    await user.keyboard('{ArrowRight}');
    await waitFor(() => expect(router.state.location.search).toContain('image=IMG_2'));
    expect(within(screen.getByRole('dialog')).getByRole('heading', { name: 'IMG_2' })).toBeInTheDocument();
  });

  it('sends the filters, threshold, pHash gate and crops options', async () => {
    const seen = searchReturning(['IMG_1']);
    const { user } = renderApp('/search?image_id=IMG_0');
    await screen.findByRole('grid', { name: 'Search results' });

    await fill(user, 'Tags (any of)', 'studio, spring');
    await fill(user, 'Min quality', '0.5');
    await fill(user, 'NSFW below', '0.2');
    await user.click(screen.getByRole('checkbox', { name: 'Blurry' }));
    await user.clear(screen.getByLabelText('Limit'));
    await fill(user, 'Limit', '20');
    await fill(user, 'Score threshold', '0.8');
    await user.click(screen.getByRole('switch', { name: 'pHash gate' }));
    await user.click(screen.getByRole('switch', { name: 'Match crops' }));
    await user.click(screen.getByRole('button', { name: 'Apply filters' }));

    await waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toMatchObject({
      image_id: 'IMG_0',
      limit: 20,
      score_threshold: 0.8,
      phash_gate: 10,
      use_crops: true,
      filter: { tags_any: ['studio', 'spring'], min_quality: 0.5, max_nsfw: 0.2, flags_all: ['blurry'] },
    });
  });

  it('searches by text when the model can embed text', async () => {
    const seen = searchReturning(['IMG_RED']);
    const { user } = renderApp('/search');
    const textTab = await screen.findByRole('tab', { name: /By text/ });
    await waitFor(() => expect(textTab).toBeEnabled());
    await user.click(textTab);
    await fill(user, 'Describe the image', 'a red bicycle');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await screen.findByRole('grid', { name: 'Search results' });
    expect(seen[0]).toMatchObject({ text_query: 'a red bicycle' });
    expect(seen[0]).not.toHaveProperty('image_id');
  });

  it("disables text search with the server's explanation when no text model is active", async () => {
    server.use(http.get(url('/api/models'), () => HttpResponse.json(imageOnlyModels)));
    renderApp('/search?tab=text');
    expect(await screen.findByTestId('text-unavailable')).toHaveTextContent(
      'No CLIP text encoder is installed',
    );
    expect(screen.getByRole('tab', { name: /By text/ })).toBeDisabled();
    expect(screen.getByRole('tab', { name: /By image/ })).toHaveAttribute('aria-selected', 'true');
  });

  it('says what to change when nothing matches', async () => {
    searchReturning([]);
    renderApp('/search?image_id=IMG_0');
    expect(await screen.findByText('No similar images')).toBeInTheDocument();
    expect(screen.getByText(/Lower the score threshold/)).toBeInTheDocument();
  });

  it("shows the server's problem detail when the search fails", async () => {
    server.use(
      http.post(url('/api/search/similar'), () =>
        problemResponse(404, 'Image not found', 'No image IMG_GONE in your library'),
      ),
    );
    renderApp('/search?image_id=IMG_GONE');
    const alert = await screen.findByTestId('problem-alert');
    expect(alert).toHaveTextContent('Image not found');
    expect(alert).toHaveTextContent('No image IMG_GONE in your library');
    expect(alert).toHaveTextContent('HTTP 404');
  });

  it('loads the next page when the grid scrolls to the end', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `IMG_${String(i).padStart(2, '0')}`);
    const seen = searchReturning(ids);
    renderApp('/search?image_id=IMG_Q');
    const grid = await screen.findByRole('grid', { name: 'Search results' });
    expect(screen.getByTestId('result-count')).toHaveTextContent('48 results');
    grid.scrollTop = 5000;
    fireEvent.scroll(grid);
    await waitFor(() => expect(screen.getByTestId('result-count')).toHaveTextContent('60 results'));
    expect(seen.map((s) => s.offset)).toEqual([0, 48]);
    expect(seen[1]!.limit).toBe(12);
  });
});
