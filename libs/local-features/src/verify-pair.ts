import { cvOps, type CvOps, type CvRuntimeChoice } from './cv-ops';
import type { GreyImage, KeypointSet, LocalFeatures } from './local-features';

export { hammingKnn2 } from './hamming';

export interface VerifyOptions {
  /** Lowe's ratio: a match must be this much closer than the keypoint's second-best. */
  ratio: number;
  /** RANSAC inliers a verified pair needs. */
  minInliers: number;
  /** RANSAC reprojection tolerance, in pixels of the grey images. */
  reprojectionPx: number;
  /**
   * RANSAC's iteration cap. A true copy's matches are mostly inliers, so RANSAC's own adaptive stop
   * ends it in a few dozen; a pair of different images runs to the cap (OpenCV's default 2000 made
   * findHomography the dearest stage of a rejected pair).
   */
  ransacIterations: number;
  /** Bounds of the homography's area scale (determinant of its linear part). */
  minDeterminant: number;
  maxDeterminant: number;
  /** Largest perspective term (per pixel of the grey image). */
  maxPerspective: number;
  /** The photometric check cuts B's thumbnail into tiles x tiles cells. */
  tiles: number;
  /** A cell counts when the warped A covers this share of it and B's pixels vary (standard deviation). */
  tileCoverage: number;
  minTileStd: number;
  /** A cell agrees at this normalised cross-correlation; this share of the counted cells must agree. */
  minNcc: number;
  agreeingShare: number;
  /** Fewer counted cells than this cannot confirm a pair. */
  minTexturedTiles: number;
}

export const VERIFY_DEFAULTS: Readonly<VerifyOptions> = {
  ratio: 0.75,
  minInliers: 6,
  reprojectionPx: 5,
  ransacIterations: 500,
  minDeterminant: 0.05,
  maxDeterminant: 20,
  maxPerspective: 0.002,
  tiles: 6,
  tileCoverage: 0.9,
  minTileStd: 5,
  minNcc: 0.5,
  agreeingShare: 0.7,
  minTexturedTiles: 3,
};

/** A box in an image's normalised coordinates (0..1 of its width and height). */
export interface RegionBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type VerifyOutcome =
  'verified' | 'few_keypoints' | 'few_matches' | 'few_inliers' | 'degenerate' | 'photometric';

/** The evidence of one pair, whether or not it verified. Coordinates are normalised (0..1). */
export interface PairGeometry {
  verified: boolean;
  outcome: VerifyOutcome;
  /** Ratio-test matches (one per keypoint of B), and those RANSAC kept. */
  matches: number;
  inliers: number;
  /** A matched as its mirror image. */
  mirrored: boolean;
  /** 3x3, row-major: A's normalised coordinates (as A is shown, mirror included) to B's. */
  homography: number[] | null;
  /** Share of B's area that A's outline covers once warped, and of A's that B's covers. */
  coverage: number;
  coverageOfA: number;
  /** Bounding boxes of the inliers in A and in B. */
  regionA: RegionBox | null;
  regionB: RegionBox | null;
  /** The photometric check: cells counted, and cells that agreed. */
  tiles: { textured: number; agreeing: number };
  /** Up to MAX_EVIDENCE_POINTS inlier pairs, `[ax, ay, bx, by]` each, for drawing. */
  points: number[][];
}

export const MAX_EVIDENCE_POINTS = 40;

type Matrix3 = number[];

function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const r = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i += 1)
    for (let j = 0; j < 3; j += 1) for (let k = 0; k < 3; k += 1) r[3 * i + j] += a[3 * i + k] * b[3 * k + j];
  return r;
}

const scaling = (sx: number, sy: number): Matrix3 => [sx, 0, 0, 0, sy, 0, 0, 0, 1];

function normalise(h: Matrix3): Matrix3 {
  return h.map((v) => v / h[8]);
}

function boxOf(points: number[][], offset: 0 | 2): RegionBox | null {
  if (points.length === 0) return null;
  const xs = points.map((p) => p[offset]);
  const ys = points.map((p) => p[offset + 1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

interface Correspondences {
  /** Index pairs (A keypoint, B keypoint) that passed the ratio test, one per B keypoint. */
  pairs: [number, number][];
}

/** Lowe's ratio test over `hammingKnn2`, keeping the closest A keypoint per B keypoint. */
function matchSets(ops: CvOps, a: KeypointSet, b: KeypointSet, ratio: number): Correspondences {
  const knn = ops.hammingKnn2(a, b);
  const best = new Map<number, { query: number; distance: number }>();
  for (let i = 0; i * 3 < knn.length; i += 1) {
    const train = knn[i * 3]!;
    const distance = knn[i * 3 + 1]!;
    if (distance >= ratio * knn[i * 3 + 2]!) continue;
    const seen = best.get(train);
    if (!seen || seen.distance > distance) best.set(train, { query: i, distance });
  }
  return { pairs: [...best.entries()].map(([train, m]) => [m.query, train]) };
}

interface Attempt {
  mirrored: boolean;
  matches: number;
  inliers: number;
  /** A's grey pixels (unmirrored) to B's grey pixels. */
  homography: Matrix3 | null;
  /** As RANSAC found it: from the matched keypoints' own frame (A's mirror when mirrored). */
  fitted: Matrix3 | null;
  inlierPairs: [number, number, number, number][];
}

function attempt(
  ops: CvOps,
  a: LocalFeatures,
  b: LocalFeatures,
  mirrored: boolean,
  options: VerifyOptions,
): Attempt {
  const setA = mirrored ? a.mirrored : a.plain;
  const none: Attempt = { mirrored, matches: 0, inliers: 0, homography: null, fitted: null, inlierPairs: [] };
  const { pairs } = matchSets(ops, setA, b.plain, options.ratio);
  if (pairs.length < Math.max(4, options.minInliers)) return { ...none, matches: pairs.length };
  const src = new Float32Array(pairs.length * 2);
  const dst = new Float32Array(pairs.length * 2);
  pairs.forEach(([qa, tb], i) => {
    src[2 * i] = setA.points[2 * qa]!;
    src[2 * i + 1] = setA.points[2 * qa + 1]!;
    dst[2 * i] = b.plain.points[2 * tb]!;
    dst[2 * i + 1] = b.plain.points[2 * tb + 1]!;
  });
  const found = ops.findHomography(src, dst, options.reprojectionPx, options.ransacIterations, 0.995);
  if (!found.homography) return { ...none, matches: pairs.length };
  // The mirror's pixels: x' = (w - 1) - x. Composed in, the homography starts from A as stored.
  const flip: Matrix3 = [-1, 0, a.width - 1, 0, 1, 0, 0, 0, 1];
  const fitted = normalise(Array.from(found.homography));
  const fromA = normalise(mirrored ? multiply(fitted, flip) : fitted);
  const inlierPairs: [number, number, number, number][] = [];
  const kept = found.inliers;
  for (let i = 0; i < pairs.length; i += 1) {
    if (!kept[i]) continue;
    const ax = mirrored ? a.width - 1 - src[2 * i]! : src[2 * i]!;
    inlierPairs.push([ax, src[2 * i + 1]!, dst[2 * i]!, dst[2 * i + 1]!]);
  }
  return {
    mirrored,
    matches: pairs.length,
    inliers: inlierPairs.length,
    homography: fromA,
    fitted,
    inlierPairs,
  };
}

function saneShape(h: Matrix3, options: VerifyOptions): boolean {
  const det = h[0] * h[4] - h[1] * h[3];
  return (
    Number.isFinite(det) &&
    det > options.minDeterminant &&
    det < options.maxDeterminant &&
    Math.abs(h[6]) < options.maxPerspective &&
    Math.abs(h[7]) < options.maxPerspective
  );
}

/** Non-zero bytes of a mask. */
function countSet(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i += 1) if (mask[i]) n += 1;
  return n;
}

/**
 * Warps A's thumbnail onto B's with the homography and compares them cell by cell: the same
 * pixels correlate, two photos of one scene (a fixed camera, a burst) match keypoints but not
 * pixels. Returns the cells counted and agreeing, and the share of B that A covers.
 */
function photometric(
  ops: CvOps,
  a: LocalFeatures,
  b: LocalFeatures,
  h: Matrix3,
  options: VerifyOptions,
): { textured: number; agreeing: number; coverage: number; coverageOfA: number } {
  const ta: GreyImage = a.thumb;
  const tb: GreyImage = b.thumb;
  const toThumb = multiply(
    multiply(scaling(tb.width / b.width, tb.height / b.height), h),
    scaling(a.width / ta.width, a.height / ta.height),
  );
  const solid = (image: GreyImage): GreyImage => ({
    ...image,
    data: new Uint8Array(image.data.length).fill(255),
  });
  const wa = ops.warpPerspective(ta, toThumb, tb.width, tb.height, 'linear').data;
  const mask = ops.warpPerspective(solid(ta), toThumb, tb.width, tb.height, 'nearest').data;
  const pb = tb.data;
  const covered = countSet(mask);
  const backMask = ops.warpPerspective(solid(tb), toThumb, ta.width, ta.height, 'nearest', true).data;
  const coveredA = countSet(backMask);
  let textured = 0;
  let agreeing = 0;
  const n = options.tiles;
  for (let ty = 0; ty < n; ty += 1) {
    for (let tx = 0; tx < n; tx += 1) {
      const x0 = Math.floor((tx * tb.width) / n);
      const x1 = Math.floor(((tx + 1) * tb.width) / n);
      const y0 = Math.floor((ty * tb.height) / n);
      const y1 = Math.floor(((ty + 1) * tb.height) / n);
      let count = 0;
      let sa = 0;
      let sb = 0;
      let saa = 0;
      let sbb = 0;
      let sab = 0;
      for (let y = y0; y < y1; y += 1) {
        for (let x = x0; x < x1; x += 1) {
          const i = y * tb.width + x;
          if (!mask[i]) continue;
          const p = wa[i];
          const q = pb[i];
          count += 1;
          sa += p;
          sb += q;
          saa += p * p;
          sbb += q * q;
          sab += p * q;
        }
      }
      const cell = (x1 - x0) * (y1 - y0);
      if (cell === 0 || count < options.tileCoverage * cell) continue;
      const ma = sa / count;
      const mb = sb / count;
      const va = saa / count - ma * ma;
      const vb = sbb / count - mb * mb;
      if (vb < options.minTileStd * options.minTileStd) continue;
      textured += 1;
      const ncc = (sab / count - ma * mb) / Math.sqrt(Math.max(va, 1e-6) * vb);
      if (ncc >= options.minNcc) agreeing += 1;
    }
  }
  return { textured, agreeing, coverage: covered / mask.length, coverageOfA: coveredA / backMask.length };
}

/**
 * Are A and B the same pixels, however cropped, scaled, framed, turned or mirrored? ORB matches
 * (plain, then against A's mirror when the plain one fails) must fit one sane homography with
 * enough RANSAC inliers, and the warped thumbnails must agree tile by tile. Synchronous
 * OpenCV: run it off the event loop (`LocalFeaturePool`).
 */
export function verifyWith(
  ops: CvOps,
  a: LocalFeatures,
  b: LocalFeatures,
  options: VerifyOptions = VERIFY_DEFAULTS,
): PairGeometry {
  const empty: PairGeometry = {
    verified: false,
    outcome: 'few_keypoints',
    matches: 0,
    inliers: 0,
    mirrored: false,
    homography: null,
    coverage: 0,
    coverageOfA: 0,
    regionA: null,
    regionB: null,
    tiles: { textured: 0, agreeing: 0 },
    points: [],
  };
  if (b.plain.count < options.minInliers || a.plain.count < options.minInliers) return empty;
  let best: PairGeometry | undefined;
  for (const mirrored of [false, true]) {
    const tried = attempt(ops, a, b, mirrored, options);
    const result = judge(ops, a, b, tried, options);
    if (result.verified) return result;
    if (!best || result.inliers > best.inliers) best = result;
  }
  return best ?? empty;
}

function judge(
  ops: CvOps,
  a: LocalFeatures,
  b: LocalFeatures,
  tried: Attempt,
  options: VerifyOptions,
): PairGeometry {
  const points = tried.inlierPairs.map(([ax, ay, bx, by]) => [
    ax / a.width,
    ay / a.height,
    bx / b.width,
    by / b.height,
  ]);
  const base: PairGeometry = {
    verified: false,
    outcome: 'few_matches',
    matches: tried.matches,
    inliers: tried.inliers,
    mirrored: tried.mirrored,
    homography: null,
    coverage: 0,
    coverageOfA: 0,
    regionA: boxOf(points, 0),
    regionB: boxOf(points, 2),
    tiles: { textured: 0, agreeing: 0 },
    points: points.slice(0, MAX_EVIDENCE_POINTS),
  };
  if (!tried.homography || !tried.fitted) return base;
  const h = tried.homography;
  const homography = normalise(
    multiply(multiply(scaling(1 / b.width, 1 / b.height), h), scaling(a.width, a.height)),
  );
  if (tried.inliers < options.minInliers) return { ...base, homography, outcome: 'few_inliers' };
  // The shape is judged as fitted: composed with the mirror, the determinant turns negative.
  if (!saneShape(tried.fitted, options)) return { ...base, homography, outcome: 'degenerate' };
  const check = photometric(ops, a, b, h, options);
  const agrees =
    check.textured >= options.minTexturedTiles && check.agreeing >= options.agreeingShare * check.textured;
  return {
    ...base,
    homography,
    coverage: check.coverage,
    coverageOfA: check.coverageOfA,
    tiles: { textured: check.textured, agreeing: check.agreeing },
    verified: agrees,
    outcome: agrees ? 'verified' : 'photometric',
  };
}

export async function verifyPair(
  a: LocalFeatures,
  b: LocalFeatures,
  options: VerifyOptions = VERIFY_DEFAULTS,
  runtime: CvRuntimeChoice = 'auto',
): Promise<PairGeometry> {
  return verifyWith(await cvOps(runtime), a, b, options);
}

/** The inverse of a 3x3 matrix (adjugate over determinant), normalised; null when singular. */
function invert3(h: Matrix3): Matrix3 | null {
  const [a, b, c, d, e, f, g, k, l] = h as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const co = [
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
  const det = a * co[0]! + b * co[3]! + c * co[6]!;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return normalise(co.map((v) => v / det));
}

/** The same evidence seen from B: regions, points and coverages swapped, the homography inverted. */
export function reverseGeometry(g: PairGeometry): PairGeometry {
  return {
    ...g,
    homography: g.homography ? invert3(g.homography) : null,
    coverage: g.coverageOfA,
    coverageOfA: g.coverage,
    regionA: g.regionB,
    regionB: g.regionA,
    points: g.points.map(([ax, ay, bx, by]) => [bx!, by!, ax!, ay!]),
  };
}
