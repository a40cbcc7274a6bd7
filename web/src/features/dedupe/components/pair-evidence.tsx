import { ScanSearchIcon, ShieldCheckIcon } from 'lucide-react';

import type { PairEvidence, Region } from '@/api/types';
import { formatPercent } from '@/lib/format';
import { cn } from '@/lib/utils';

type Point = readonly [number, number];
/** A 3×3 matrix, row-major. */
type Matrix3 = [number, number, number, number, number, number, number, number, number];

/** Which image of the pair an overlay sits on: the group's suggested keep, or the member compared with it. */
export type PairSide = 'keep' | 'member';

// Bright, mutually distinct hues that read on photos once ringed in black; a pair's two dots share one.
const pointColours = ['#f43f5e', '#22d3ee', '#a3e635', '#f59e0b', '#a78bfa', '#34d399', '#fb923c', '#60a5fa'];

const corners: Point[] = [
  [0, 0],
  [1, 0],
  [1, 1],
  [0, 1],
];

/** Whether the evidence says where the two images match (verified local features), not only that they do. */
export function hasGeometry(evidence: PairEvidence | undefined): evidence is PairEvidence {
  return Boolean(
    evidence?.verified && (evidence.points.length > 0 || evidence.keep_region || evidence.member_region),
  );
}

export function describeEvidence(evidence: PairEvidence): string {
  const geometry = () => {
    const details = [
      `${evidence.inliers} matched points`,
      `covers ${formatPercent(evidence.coverage)} of this image`,
      ...(evidence.mirrored ? ['mirrored'] : []),
    ];
    return `same pixels (${details.join(', ')})`;
  };
  const rule = {
    sha256: 'Same file',
    'hash+cosine': 'Perceptual hash + embedding',
    geometry: `Verified: ${geometry()}`,
    cosine: 'Embedding similarity only',
    'mutual-nn': 'Embedding similarity only',
  }[evidence.rule];
  // A pair the hashes already admitted may have been verified as well; say so rather than hide it.
  return evidence.rule !== 'geometry' && evidence.verified ? `${rule}; verified: ${geometry()}` : rule;
}

export function EvidenceCaption({ evidence }: { evidence: PairEvidence }) {
  const Icon = evidence.verified ? ShieldCheckIcon : ScanSearchIcon;
  return (
    <span className="flex items-start gap-1.5 text-sm text-foreground" data-testid="pair-evidence-caption">
      <Icon className={cn('mt-0.5 size-4 shrink-0', evidence.verified && 'text-success')} aria-hidden />
      {describeEvidence(evidence)}
    </span>
  );
}

function project(h: Matrix3, [x, y]: Point): { point: Point; w: number } {
  const w = h[6] * x + h[7] * y + h[8];
  return { point: [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w], w };
}

/** The inverse homography (the adjugate; a homography's scale does not matter), or null when singular. */
function invert([a, b, c, d, e, f, g, k, l]: Matrix3): Matrix3 | null {
  const inverse: Matrix3 = [
    e * l - f * k,
    c * k - b * l,
    b * f - c * e,
    f * g - d * l,
    a * l - c * g,
    c * d - a * f,
    d * k - e * g,
    b * g - a * k,
    a * e - b * d,
  ];
  const det = a * inverse[0] + b * inverse[3] + c * inverse[6];
  return Math.abs(det) > 1e-12 ? inverse : null;
}

/**
 * The other image's outline drawn into this one: the keep's corners through the homography on the
 * member, the member's through its inverse on the keep. None when a corner maps to infinity or beyond it.
 */
function otherOutline(evidence: PairEvidence, side: PairSide): string | null {
  if (evidence.homography.length !== 9) return null;
  const homography = evidence.homography as Matrix3;
  const h = side === 'member' ? homography : invert(homography);
  if (!h) return null;
  const projected = corners.map((corner) => project(h, corner));
  const sign = Math.sign(projected[0]!.w);
  if (sign === 0 || projected.some(({ w }) => Math.sign(w) !== sign || Math.abs(w) < 1e-9)) return null;
  return projected.map(({ point: [x, y] }) => `${x},${y}`).join(' ');
}

function RegionBox({ region }: { region: Region }) {
  const box = { x: region.x, y: region.y, width: region.width, height: region.height };
  return (
    <g data-testid="pair-evidence-region">
      <rect
        {...box}
        fill="none"
        stroke="black"
        strokeOpacity={0.6}
        strokeWidth={4}
        vectorEffect="non-scaling-stroke"
      />
      <rect
        {...box}
        className="fill-warning/15 stroke-warning"
        strokeWidth={2}
        vectorEffect="non-scaling-stroke"
      />
    </g>
  );
}

/**
 * What the local features matched, over one image of the pair. The SVG covers the rendered image box
 * and stretches its 0..1 viewBox to it, so normalised coordinates land where they belong; strokes keep
 * their screen width, and the dots are round caps of zero-length paths so they stay round when the
 * image is not square.
 */
export function EvidenceOverlay({ evidence, side }: { evidence: PairEvidence; side: PairSide }) {
  const region = side === 'keep' ? evidence.keep_region : evidence.member_region;
  const outline = otherOutline(evidence, side);
  const points = evidence.points.map(([kx, ky, mx, my]) => (side === 'keep' ? [kx!, ky!] : [mx!, my!]));
  const where = side === 'keep' ? 'the suggested keep' : 'this member';
  const matched = `${region ? 'Matched region and ' : ''}${points.length} matched points in ${where}`;
  const dashed =
    side === 'keep' ? 'dashed: where the member lies in it' : "dashed: the keep's outline mapped onto it";
  const label = outline ? `${matched}; ${dashed}` : matched;

  return (
    <svg
      viewBox="0 0 1 1"
      preserveAspectRatio="none"
      className="pointer-events-none absolute inset-0 size-full"
      role="img"
      aria-label={label}
      data-testid="pair-evidence-overlay"
      data-side={side}
    >
      {region && <RegionBox region={region} />}
      {outline && (
        <g data-testid="pair-evidence-outline" fill="none">
          <polygon
            points={outline}
            stroke="black"
            strokeOpacity={0.6}
            strokeWidth={4}
            vectorEffect="non-scaling-stroke"
          />
          <polygon
            points={outline}
            stroke="white"
            strokeWidth={2}
            strokeDasharray="6 4"
            vectorEffect="non-scaling-stroke"
          />
        </g>
      )}
      {points.map(([x, y], i) => (
        <g key={i} data-testid="pair-evidence-point" strokeLinecap="round">
          <path d={`M${x} ${y}h0`} stroke="black" strokeWidth={9} vectorEffect="non-scaling-stroke" />
          <path
            d={`M${x} ${y}h0`}
            stroke={pointColours[i % pointColours.length]}
            strokeWidth={6}
            vectorEffect="non-scaling-stroke"
          />
        </g>
      ))}
    </svg>
  );
}
