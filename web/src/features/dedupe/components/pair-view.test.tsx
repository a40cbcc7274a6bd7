import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { PairEvidence } from '@/api/types';

import { renderView } from '../../../../test/render';
import { PairView } from './pair-view';

const noop = () => {};

// The member is the middle 80% of the keep: keep (x, y) -> member ((x - 0.1) / 0.8, (y - 0.1) / 0.8).
const crop: PairEvidence = {
  rule: 'geometry',
  verified: true,
  inliers: 23,
  matches: 31,
  coverage: 0.64,
  mirrored: false,
  homography: [1.25, 0, -0.125, 0, 1.25, -0.125, 0, 0, 1],
  keep_region: { x: 0.2, y: 0.2, width: 0.5, height: 0.6 },
  member_region: { x: 0.125, y: 0.125, width: 0.625, height: 0.75 },
  points: [
    [0.3, 0.3, 0.25, 0.25],
    [0.5, 0.3, 0.5, 0.25],
    [0.5, 0.5, 0.5, 0.5],
    [0.3, 0.7, 0.25, 0.75],
    [0.7, 0.7, 0.75, 0.75],
  ],
};

/** The overlays on the keep and on the member, once both images are there. */
async function overlays() {
  await waitFor(() => expect(screen.getAllByTestId('pair-evidence-overlay')).toHaveLength(2));
  const all = screen.getAllByTestId('pair-evidence-overlay');
  return {
    keep: all.find((o) => o.dataset.side === 'keep')!,
    member: all.find((o) => o.dataset.side === 'member')!,
  };
}

describe('pair view evidence', () => {
  it('marks the matched region and every matched point on both images, and where the member lies', async () => {
    renderView(<PairView pair={{ a: 'KEEP', b: 'CROP', evidence: crop }} onClose={noop} />);
    const { keep, member } = await overlays();

    for (const overlay of [keep, member]) {
      expect(within(overlay).getAllByTestId('pair-evidence-point')).toHaveLength(5);
      expect(within(overlay).getAllByTestId('pair-evidence-region')).toHaveLength(1);
    }
    expect(keep).toHaveAccessibleName(
      'Matched region and 5 matched points in the suggested keep; dashed: where the member lies in it',
    );
    // The member's corners through the inverse homography: the middle 80% of the keep.
    const outline = within(keep).getByTestId('pair-evidence-outline').querySelector('polygon')!;
    const corners = outline
      .getAttribute('points')!
      .split(' ')
      .map((p) => p.split(',').map((v) => Number(Number(v).toFixed(6))));
    expect(corners).toEqual([
      [0.1, 0.1],
      [0.9, 0.1],
      [0.9, 0.9],
      [0.1, 0.9],
    ]);
    // Each end of a pair is drawn where that image has it, in the pair's own colour.
    const keepDot = within(keep).getAllByTestId('pair-evidence-point')[3]!.querySelectorAll('path')[1]!;
    const memberDot = within(member).getAllByTestId('pair-evidence-point')[3]!.querySelectorAll('path')[1]!;
    expect(keepDot).toHaveAttribute('d', 'M0.3 0.7h0');
    expect(memberDot).toHaveAttribute('d', 'M0.25 0.75h0');
    expect(memberDot.getAttribute('stroke')).toBe(keepDot.getAttribute('stroke'));
    expect(screen.getByTestId('pair-evidence-caption')).toHaveTextContent(
      'Verified: same pixels (23 matched points, covers 64% of this image)',
    );
  });

  it('overlays nothing for a pair the hashes admitted without geometry, and says why it is a pair', async () => {
    const hashed: PairEvidence = {
      rule: 'hash+cosine',
      verified: false,
      inliers: 0,
      matches: 0,
      coverage: 0,
      mirrored: false,
      homography: [],
      points: [],
    };
    renderView(<PairView pair={{ a: 'KEEP', b: 'COPY', evidence: hashed }} onClose={noop} />);

    expect(await screen.findByRole('img', { name: 'Image COPY' })).toBeInTheDocument();
    expect(screen.getByTestId('pair-evidence-caption')).toHaveTextContent('Perceptual hash + embedding');
    expect(screen.queryByTestId('pair-evidence-overlay')).not.toBeInTheDocument();
  });

  it('says when the member is a mirror image of the keep', async () => {
    const flipped: PairEvidence = { ...crop, homography: [-1, 0, 1, 0, 1, 0, 0, 0, 1], mirrored: true };
    renderView(<PairView pair={{ a: 'KEEP', b: 'FLIP', evidence: flipped }} onClose={noop} />);

    expect(await screen.findByTestId('pair-evidence-caption')).toHaveTextContent(
      'Verified: same pixels (23 matched points, covers 64% of this image, mirrored)',
    );
  });

  it('shows no evidence for a pair compared without it', async () => {
    renderView(<PairView pair={{ a: 'A', b: 'B' }} onClose={noop} />);

    expect(await screen.findByRole('img', { name: 'Image B' })).toBeInTheDocument();
    expect(screen.queryByTestId('pair-evidence-caption')).not.toBeInTheDocument();
    expect(screen.queryByTestId('pair-evidence-overlay')).not.toBeInTheDocument();
  });
});
