import { defaultThresholds } from './dedup-thresholds';
import { runSweep } from './dedup-sweep';
import { pairKey } from './dedup-image';
import { evaluateNearCopies, nearCopyInputs } from '../../test/support/near-copies-eval';

const off = {
  ...defaultThresholds('mobilenet'),
  cosineNear: -1,
  cosineSimilar: 2,
  mutualCosine: null,
  hashVariants: false,
};

describe('dedup sweep on dev-nearcopies (MobileNetV2 fixture)', () => {
  it('reaches pairwise precision >= 0.97 on the exact+near tiers with the mobilenet defaults', async () => {
    const e = await evaluateNearCopies(defaultThresholds('mobilenet'));
    expect(e.exactNear.precision).toBeGreaterThanOrEqual(0.97);
    expect(e.exactNear.recall).toBeGreaterThan(0.3);
    expect(e.all.recall).toBeGreaterThan(e.exactNear.recall);
  });

  it('finds about a quarter of the copy pairs with a plain pHash at Hamming <= 6', async () => {
    const e = await evaluateNearCopies(off);
    expect(e.exactNear.recall).toBeGreaterThan(0.2);
    expect(e.exactNear.recall).toBeLessThan(0.35);
    expect(e.byTransform.hflip.found).toBe(0);
    expect(e.byTransform.rot90.found).toBe(0);
  });

  it('catches mirrored and turned copies with the derived hash variants', async () => {
    const e = await evaluateNearCopies({ ...off, hashVariants: true });
    expect(e.byTransform.hflip.found).toBeGreaterThan(e.byTransform.hflip.total / 2);
    expect(e.byTransform.rot90.found).toBeGreaterThan(e.byTransform.rot90.total / 2);
  });

  it('catches crops through the vector kNN tier', async () => {
    const e = await evaluateNearCopies(defaultThresholds('mobilenet'));
    expect(e.byTransform.crop80.found).toBeGreaterThan(e.byTransform.crop80.total / 2);
  });

  it('never pairs images a reviewer marked not-duplicate', async () => {
    const { dedupImages, neighbours, cosines } = nearCopyInputs();
    const banned = pairKey('astronaut.jpg', 'astronaut__jpeg20.jpg');
    const result = await runSweep({
      images: dedupImages,
      neighbours,
      cosines,
      thresholds: defaultThresholds('mobilenet'),
      keepRules: ['quality', 'age'],
      notDuplicate: new Set([banned]),
    });
    expect(result.pairs.map((p) => pairKey(p.a, p.b))).not.toContain(banned);
    expect(result.stats.suppressed).toBe(1);
  });

  it('suggests the original (best quality, then oldest) as the keep of its near group', async () => {
    const e = await evaluateNearCopies(defaultThresholds('mobilenet'));
    const group = e.sweep.groups.find(
      (g) => g.kind === 'near' && g.members.some((m) => m.imageId === 'coffee.jpg'),
    );
    expect(group).toBeDefined();
    const keep = group?.members.find((m) => m.imageId === group.suggestedKeep);
    expect(keep?.cosine).toBe(1);
    expect(Math.max(...(group?.members.map((m) => m.qualityScore) ?? []))).toBeLessThanOrEqual(
      (keep?.qualityScore ?? 0) + 0.02,
    );
  });
});

describe('dedup sweep with geometric verification (verify is the port; its answers are scripted)', () => {
  const images = ['a', 'b', 'c', 'd', 'far'].map((imageId, i) => ({
    imageId,
    sha256: `${imageId}-sha`,
    // Hashes far apart, so only verification can make a pair near.
    phash: [
      '0000000000000000',
      'ffffffffffffffff',
      '00000000ffffffff',
      'ffffffff00000000',
      '0f0f0f0f0f0f0f0f',
    ][i]!,
    qualityScore: 0.5,
    width: 100,
    height: 100,
    format: 'jpeg',
    createdAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
  }));
  // a's nearest are b then c; b's nearest is a; far is nobody's near neighbour (rank 9 of a).
  const neighbours = new Map([
    [
      'a',
      [
        { id: 'b', score: 0.5 },
        { id: 'c', score: 0.45 },
        ...Array.from({ length: 7 }, (_, i) => ({ id: `x${i}`, score: 0.1 })),
        { id: 'far', score: 0.05 },
      ],
    ],
    ['b', [{ id: 'a', score: 0.5 }]],
    ['c', [{ id: 'a', score: 0.45 }]],
  ]);
  const geometry = (verified: boolean) => ({
    verified,
    outcome: verified ? ('verified' as const) : ('few_matches' as const),
    matches: 40,
    inliers: verified ? 30 : 2,
    mirrored: false,
    homography: verified ? [1, 0, 0, 0, 1, 0, 0, 0, 1] : null,
    coverage: verified ? 1 : 0,
    coverageOfA: verified ? 1 : 0,
    regionA: null,
    regionB: null,
    tiles: { textured: 20, agreeing: verified ? 20 : 0 },
    points: [],
  });

  async function sweep(
    verifiedPairs: string[],
    notDuplicate = new Set<string>(),
    unavailable: string[] = [],
    focus?: { id: string; known: string[] },
  ) {
    const asked: string[] = [];
    const result = await runSweep({
      images,
      neighbours,
      cosines: async (pairs) => pairs.map(() => 0.3),
      thresholds: defaultThresholds('mobilenet'),
      keepRules: ['age'],
      notDuplicate,
      verification: {
        k: 8,
        maxHamming: 20,
        expandPerImage: focus ? 0 : 8,
        focus: focus?.id,
        knownVerified: focus
          ? async (pairs) =>
              pairs.map(([x, y]) => (focus.known.includes(pairKey(x, y)) ? geometry(true) : null))
          : undefined,
        verify: async (pairs) =>
          pairs.map(([x, y]) => {
            const key = pairKey(x, y);
            asked.push(key);
            return unavailable.includes(key) ? null : geometry(verifiedPairs.includes(key));
          }),
      },
    });
    return { result, asked };
  }

  it('verifies kNN candidates within rank k, and makes the verified ones near with their evidence', async () => {
    const { result, asked } = await sweep([pairKey('a', 'b')]);
    expect(asked.sort()).toEqual([pairKey('a', 'b'), pairKey('a', 'c')].sort());
    const ab = result.pairs.find((p) => pairKey(p.a, p.b) === pairKey('a', 'b'))!;
    expect(ab.verdict).toMatchObject({
      kind: 'near',
      rule: 'geometry',
      geometry: { verified: true, inliers: 30 },
    });
    expect(result.pairs.some((p) => pairKey(p.a, p.b) === pairKey('a', 'c'))).toBe(false);
    expect(result.stats.verification).toEqual({
      checked: 2,
      expanded: 0,
      verified: 1,
      unavailable: 0,
      skipped: 0,
    });
    const near = result.groups.find((g) => g.kind === 'near')!;
    expect(near.members.map((m) => m.imageId).sort()).toEqual(['a', 'b']);
    // The keep (a, the oldest) carries no evidence; b carries its pair's, read from the keep.
    expect(near.suggestedKeep).toBe('a');
    expect(near.members.find((m) => m.imageId === 'a')!.evidence).toBeUndefined();
    expect(near.members.find((m) => m.imageId === 'b')!.evidence).toMatchObject({
      rule: 'geometry',
      geometry: { verified: true, inliers: 30 },
    });
  });

  it('closes triangles once: a-b and a-c verified, so b-c is verified too', async () => {
    const { result, asked } = await sweep([pairKey('a', 'b'), pairKey('a', 'c'), pairKey('b', 'c')]);
    expect(asked).toContain(pairKey('b', 'c'));
    expect(result.stats.verification).toMatchObject({ checked: 2, expanded: 1, verified: 3 });
    expect(result.pairs.find((p) => pairKey(p.a, p.b) === pairKey('b', 'c'))!.verdict.rule).toBe('geometry');
  });

  it('never verifies a pair a reviewer separated, and counts pairs without features', async () => {
    const { result, asked } = await sweep([pairKey('a', 'c')], new Set([pairKey('a', 'b')]), [
      pairKey('a', 'c'),
    ]);
    expect(asked).toEqual([pairKey('a', 'c')]);
    expect(result.stats.verification).toEqual({
      checked: 1,
      expanded: 0,
      verified: 0,
      unavailable: 1,
      skipped: 0,
    });
    expect(result.pairs).toHaveLength(0);
  });

  it('at upload, verifies closest first and skips a candidate linked to one already verified', async () => {
    // b and c were verified copies of each other before: once a-b verifies, a-c is not matched.
    const linked = await sweep([pairKey('a', 'b'), pairKey('a', 'c')], new Set(), [], {
      id: 'a',
      known: [pairKey('b', 'c')],
    });
    expect(linked.asked).toEqual([pairKey('a', 'b')]);
    expect(linked.result.stats.verification).toMatchObject({ checked: 1, verified: 1, skipped: 1 });
    // The known b-c pair joins the sweep: the group holds all three, as if a-c had been matched.
    expect(
      linked.result.groups
        .find((g) => g.kind === 'near')!
        .members.map((m) => m.imageId)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(linked.result.pairs.find((p) => pairKey(p.a, p.b) === pairKey('b', 'c'))!.verdict.rule).toBe(
      'geometry',
    );
    // Nothing known between them: both are matched, closest (b) first.
    const unlinked = await sweep([pairKey('a', 'c')], new Set(), [], { id: 'a', known: [] });
    expect(unlinked.asked).toEqual([pairKey('a', 'b'), pairKey('a', 'c')]);
    expect(unlinked.result.stats.verification).toMatchObject({ checked: 2, verified: 1, skipped: 0 });
    // A stored link a reviewer has since separated neither skips nor joins.
    const separated = await sweep([pairKey('a', 'b'), pairKey('a', 'c')], new Set([pairKey('b', 'c')]), [], {
      id: 'a',
      known: [pairKey('b', 'c')],
    });
    expect(separated.asked).toEqual([pairKey('a', 'b'), pairKey('a', 'c')]);
    expect(separated.result.pairs.some((p) => pairKey(p.a, p.b) === pairKey('b', 'c'))).toBe(false);
    // A known link to a candidate that did not verify skips nothing.
    const failed = await sweep([pairKey('a', 'c')], new Set(), [], { id: 'a', known: [pairKey('b', 'c')] });
    expect(failed.asked).toEqual([pairKey('a', 'b'), pairKey('a', 'c')]);
  });
});
