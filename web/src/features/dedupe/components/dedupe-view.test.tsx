import { screen, waitFor, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import type { DuplicateGroup, GroupResolveRequest } from '@/api/types';

import { group } from '../../../../test/fixtures';
import { problemResponse, url } from '../../../../test/handlers';
import { server } from '../../../../test/msw-server';
import { renderView } from '../../../../test/render';
import { DedupeView } from './dedupe-view';

function groupsApi(initial: DuplicateGroup[]) {
  const resolved: { id: string; body: GroupResolveRequest }[] = [];
  server.use(
    http.get(url('/api/dedup/groups'), ({ request }) => {
      const kind = new URL(request.url).searchParams.get('kind');
      const open = initial.filter((g) => g.kind === kind && !resolved.some((r) => r.id === g.group_id));
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
});
