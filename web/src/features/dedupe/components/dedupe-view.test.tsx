import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { DuplicateGroup, GroupResolveRequest } from '@/api/types';

import { group, videoGroup } from '../../../../test/fixtures';
import { problemResponse, url } from '../../../../test/handlers';
import { server } from '../../../../test/msw-server';
import { renderView } from '../../../../test/render';
import { DedupeView } from './dedupe-view';

function groupsApi(initial: DuplicateGroup[], asked: URLSearchParams[] = []) {
  const resolved: { id: string; body: GroupResolveRequest }[] = [];
  server.use(
    http.get(url('/api/dedup/groups'), ({ request }) => {
      const query = new URL(request.url).searchParams;
      asked.push(query);
      const media = query.get('media');
      const open = initial.filter(
        (g) =>
          g.kind === query.get('kind') &&
          (media === null || g.media === media) &&
          !resolved.some((r) => r.id === g.group_id),
      );
      return HttpResponse.json({ groups: open, next_cursor: '' });
    }),
    http.post(url('/api/dedup/groups/:id/resolve'), async ({ params, request }) => {
      const body = (await request.json()) as GroupResolveRequest;
      resolved.push({ id: String(params.id), body });
      const g = initial.find((x) => x.group_id === params.id)!;
      return HttpResponse.json({ ...g, status: 'resolved' });
    }),
  );
  return resolved;
}

const noop = () => {};

describe('dedupe view', () => {
  it('shows each group as a gallery with distances and the suggested keep highlighted', async () => {
    groupsApi([group('G1', 'exact', ['KEEP', 'DUP1', 'DUP2'])]);
    renderView(<DedupeView onOpenImage={noop} />);
    const card = await screen.findByTestId('dedup-group');
    const members = within(card).getAllByTestId('group-member');
    expect(members).toHaveLength(3);
    expect(members[0]).toHaveAttribute('data-keep', 'true');
    expect(within(members[0]!).getByText('Suggested keep')).toBeInTheDocument();
    expect(within(members[1]!).getByText('Δ 2 bits · cos 0.980')).toBeInTheDocument();
  });

  it('compares a member with the suggested keep, keep first, and shows why they are a pair', async () => {
    const g = group('G1', 'near', ['KEEP', 'CROP', 'OTHER']);
    g.members[1]!.evidence = {
      rule: 'geometry',
      verified: true,
      inliers: 12,
      matches: 20,
      coverage: 0.64,
      mirrored: false,
      homography: [1.25, 0, -0.125, 0, 1.25, -0.125, 0, 0, 1],
      points: [[0.5, 0.5, 0.5, 0.5]],
    };
    // Listed after the member, the keep is the second of the selected pair.
    g.members.reverse();
    groupsApi([g]);
    const { user } = renderView(<DedupeView onOpenImage={noop} />);
    await user.click(await screen.findByRole('tab', { name: 'Near' }));
    const card = await screen.findByTestId('dedup-group');
    await user.click(within(card).getByRole('checkbox', { name: 'Select image CROP' }));
    await user.click(within(card).getByRole('checkbox', { name: 'Select image KEEP' }));
    await user.click(within(card).getByRole('button', { name: /Compare/ }));

    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('KEEP vs CROP');
    expect(within(dialog).getByTestId('pair-evidence-caption')).toHaveTextContent(
      'Verified: same pixels (12 matched points, covers 64% of this image)',
    );
  });

  it('keeps the suggested image and takes the group out of the list at once', async () => {
    const resolved = groupsApi([group('G1', 'exact', ['KEEP', 'DUP1']), group('G2', 'exact', ['K2', 'D2'])]);
    const { user } = renderView(<DedupeView onOpenImage={noop} />);
    const first = (await screen.findAllByTestId('dedup-group'))[0]!;
    await user.click(within(first).getByRole('button', { name: /Keep suggested/ }));

    await waitFor(() => expect(screen.getAllByTestId('dedup-group')).toHaveLength(1));
    await waitFor(() => expect(resolved).toHaveLength(1));
    expect(resolved[0]).toEqual({
      id: 'G1',
      body: { keep: ['KEEP'], duplicates: ['DUP1'], not_duplicate: [] },
    });
  });

  it('marks the selected members as duplicates, or records "not a duplicate" pairs', async () => {
    const resolved = groupsApi([group('G1', 'near', ['A', 'B', 'C']), group('G2', 'near', ['X', 'Y', 'Z'])]);
    const { user } = renderView(<DedupeView onOpenImage={noop} />);
    await user.click(await screen.findByRole('tab', { name: 'Near' }));
    const [g1, g2] = await screen.findAllByTestId('dedup-group');

    await user.click(within(g1!).getByRole('checkbox', { name: 'Select image C' }));
    await user.click(within(g1!).getByRole('button', { name: /Mark duplicates/ }));
    await user.click(within(g2!).getByRole('checkbox', { name: 'Select image Z' }));
    await user.click(within(g2!).getByRole('button', { name: /Not a duplicate/ }));

    await waitFor(() => expect(resolved).toHaveLength(2));
    expect(resolved.find((r) => r.id === 'G1')!.body).toEqual({
      keep: ['A', 'B'],
      duplicates: ['C'],
      not_duplicate: [],
    });
    expect(resolved.find((r) => r.id === 'G2')!.body).toEqual({
      keep: [],
      duplicates: [],
      not_duplicate: [['X', 'Z']],
    });
  });

  it('puts the group back and shows the problem when resolving fails', async () => {
    groupsApi([group('G1', 'exact', ['KEEP', 'DUP1'])]);
    server.use(
      http.post(url('/api/dedup/groups/:id/resolve'), () =>
        problemResponse(409, 'Conflict', 'The group changed since it was listed; reload it.'),
      ),
    );
    const { user } = renderView(<DedupeView onOpenImage={noop} />);
    const card = await screen.findByTestId('dedup-group');
    await user.click(within(card).getByRole('button', { name: /Keep suggested/ }));

    expect(await screen.findByText('Could not resolve the group')).toBeInTheDocument();
    expect(screen.getByText(/The group changed since it was listed/)).toBeInTheDocument();
    expect(screen.getByTestId('dedup-group')).toBeInTheDocument();
  });

  it('bulk-resolves selected groups after confirmation, and undo brings them back without a request', async () => {
    const resolved = groupsApi([
      group('G1', 'exact', ['A', 'B']),
      group('G2', 'exact', ['C', 'D']),
      group('G3', 'exact', ['E', 'F']),
    ]);
    const { user } = renderView(<DedupeView onOpenImage={noop} undoMs={60_000} />);
    await screen.findAllByTestId('dedup-group');
    await user.click(screen.getByRole('checkbox', { name: 'Select group G1' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select group G2' }));
    await user.click(
      within(screen.getByTestId('bulk-bar')).getByRole('button', { name: /Resolve selected/ }),
    );

    const confirm = await screen.findByRole('alertdialog');
    expect(confirm).toHaveTextContent('Resolve 2 groups?');
    await user.click(within(confirm).getByRole('button', { name: 'Resolve' }));

    await waitFor(() => expect(screen.getAllByTestId('dedup-group')).toHaveLength(1));
    await user.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(screen.getAllByTestId('dedup-group')).toHaveLength(3));
    expect(resolved).toHaveLength(0);
  });

  it('sends the bulk resolve once the undo window has passed', async () => {
    const resolved = groupsApi([group('G1', 'exact', ['A', 'B']), group('G2', 'exact', ['C', 'D'])]);
    const { user } = renderView(<DedupeView onOpenImage={noop} undoMs={50} />);
    await screen.findAllByTestId('dedup-group');
    await user.click(screen.getByRole('checkbox', { name: 'Select group G1' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select group G2' }));
    await user.click(screen.getByRole('button', { name: /Resolve selected/ }));
    await user.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Resolve' }));

    await waitFor(() => expect(resolved.map((r) => r.id).sort()).toEqual(['G1', 'G2']));
    expect(resolved.find((r) => r.id === 'G2')!.body).toEqual({
      keep: ['C'],
      duplicates: ['D'],
      not_duplicate: [],
    });
    expect(await screen.findByText('No open exact duplicate groups')).toBeInTheDocument();
  });

  it('says what to do when there are no groups', async () => {
    groupsApi([]);
    renderView(<DedupeView onOpenImage={noop} />);
    expect(await screen.findByText('No open exact duplicate groups')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Look at near duplicates' })).toBeInTheDocument();
  });

  describe('video groups', () => {
    const trimmed = () =>
      videoGroup('V1', 'near', [
        ['VID_ORIG', 0],
        ['VID_TRIM', -2000],
        ['VID_INTRO', 3000],
      ]);

    it('filters by media, in the address, and asks the API for that media only', async () => {
      const asked: URLSearchParams[] = [];
      groupsApi([group('G1', 'near', ['A', 'B']), trimmed()], asked);
      const { user, router } = renderView(<DedupeView onOpenImage={noop} />, '/dedupe?kind=near');
      expect(await screen.findAllByTestId('dedup-group')).toHaveLength(2);
      expect(asked.at(-1)!.has('media')).toBe(false);

      await user.click(screen.getByRole('tab', { name: 'Videos' }));
      await waitFor(() => expect(screen.getAllByTestId('dedup-group')).toHaveLength(1));
      expect(asked.at(-1)!.get('media')).toBe('video');
      expect(router.state.location.search).toBe('?kind=near&media=video');
      expect(screen.getByTestId('dedup-group')).toHaveAttribute('data-media', 'video');

      await user.click(screen.getByRole('tab', { name: 'Images' }));
      await waitFor(() => expect(screen.getByTestId('dedup-group')).toHaveAttribute('data-media', 'image'));
      expect(asked.at(-1)!.get('media')).toBe('image');
    });

    it('shows each video as a poster with its offset to the keep, its matched share and a link at the aligned time', async () => {
      groupsApi([trimmed()]);
      renderView(<DedupeView onOpenImage={noop} />, '/dedupe?kind=near&media=video');
      const card = await screen.findByTestId('dedup-group');
      expect(card).toHaveAttribute('aria-label', 'near duplicate group of 3 videos');
      expect(card).toHaveTextContent('3 videos');
      expect(within(card).queryByRole('button', { name: /Compare/ })).not.toBeInTheDocument();
      const [keep, trim, intro] = within(card).getAllByTestId('group-member');

      expect(keep).toHaveAttribute('data-keep', 'true');
      expect(within(keep!).getByText('Suggested keep')).toBeInTheDocument();
      expect(within(keep!).getByTestId('member-offset')).toHaveTextContent('keep');
      expect(await within(keep!).findByAltText('Poster of video VID_ORIG')).toHaveAttribute(
        'src',
        expect.stringContaining('#thumb-VID_ORIG-F0'),
      );
      expect(within(keep!).getByRole('link', { name: 'Play video VID_ORIG' })).toHaveAttribute(
        'href',
        '/videos/VID_ORIG',
      );

      // Trimmed by 2 s: its start is 0:02 into the keep, so it plays from its own start.
      expect(within(trim!).getByTestId('member-offset')).toHaveTextContent('\u22120:02.0');
      expect(trim).toHaveTextContent('starts 0:02.0 into the keep');
      expect(within(trim!).getByTestId('member-share')).toHaveTextContent('88% matched · 3 frames');
      expect(within(trim!).getByRole('link', { name: 'Play video VID_TRIM' })).toHaveAttribute(
        'href',
        '/videos/VID_TRIM',
      );

      // A 3 s intro: the keep's first moment is at 0:03 in it, where its link starts.
      expect(within(intro!).getByTestId('member-offset')).toHaveTextContent('+0:03.0');
      expect(within(intro!).getByTestId('member-share')).toHaveTextContent('78% matched · 4 frames');
      expect(within(intro!).getByRole('link', { name: 'Play video VID_INTRO from 0:03.0' })).toHaveAttribute(
        'href',
        '/videos/VID_INTRO?t=3000',
      );
    });

    it('resolves a video group by video ids: keep the suggested, mark selected, not a duplicate', async () => {
      const resolved = groupsApi([
        trimmed(),
        videoGroup('V2', 'near', [
          ['VID_A', 0],
          ['VID_B', -1000],
          ['VID_C', 500],
        ]),
        videoGroup('V3', 'near', [
          ['VID_X', 0],
          ['VID_Y', 0],
        ]),
      ]);
      const { user } = renderView(<DedupeView onOpenImage={noop} />, '/dedupe?kind=near&media=video');
      const [v1, v2, v3] = await screen.findAllByTestId('dedup-group');

      await user.click(within(v1!).getByRole('button', { name: /Keep suggested/ }));
      await user.click(within(v2!).getByRole('checkbox', { name: 'Select video VID_C' }));
      await user.click(within(v2!).getByRole('button', { name: /Mark duplicates/ }));
      await user.click(within(v3!).getByRole('button', { name: /Not a duplicate/ }));

      await waitFor(() => expect(resolved).toHaveLength(3));
      expect(resolved.find((r) => r.id === 'V1')!.body).toEqual({
        keep: ['VID_ORIG'],
        duplicates: ['VID_TRIM', 'VID_INTRO'],
        not_duplicate: [],
      });
      expect(resolved.find((r) => r.id === 'V2')!.body).toEqual({
        keep: ['VID_A', 'VID_B'],
        duplicates: ['VID_C'],
        not_duplicate: [],
      });
      expect(resolved.find((r) => r.id === 'V3')!.body).toEqual({
        keep: [],
        duplicates: [],
        not_duplicate: [['VID_X', 'VID_Y']],
      });
      await waitFor(() => expect(screen.queryAllByTestId('dedup-group')).toHaveLength(0));
      expect(screen.getByText('No open near duplicate groups of videos')).toBeInTheDocument();
    });

    it('bulk-resolves video groups by video id and leaves them out of bulk tagging', async () => {
      const resolved = groupsApi([trimmed(), group('G1', 'near', ['A', 'B'])]);
      const { user } = renderView(<DedupeView onOpenImage={noop} undoMs={50} />, '/dedupe?kind=near');
      await screen.findAllByTestId('dedup-group');
      await user.click(screen.getByRole('checkbox', { name: 'Select group V1' }));
      const bar = screen.getByTestId('bulk-bar');
      await user.type(within(bar).getByLabelText('Tags for the selected groups'), 'reviewed');
      expect(within(bar).getByRole('button', { name: /Tag all images/ })).toBeDisabled();

      await user.click(within(bar).getByRole('button', { name: /Resolve selected/ }));
      await user.click(
        within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Resolve' }),
      );
      await waitFor(() => expect(resolved).toHaveLength(1));
      expect(resolved[0]).toEqual({
        id: 'V1',
        body: { keep: ['VID_ORIG'], duplicates: ['VID_TRIM', 'VID_INTRO'], not_duplicate: [] },
      });
    });
  });
});
