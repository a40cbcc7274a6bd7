import { emptyTenantCounts, type TenantCounts } from '@lookalike/persistence';
import { bucketOf, labelledTenants, redundantCopies, summarise } from './qc-stats';

function counts(owner: string, over: Partial<TenantCounts> = {}): TenantCounts {
  return { ...emptyTenantCounts(owner), stills: 10, indexed: 10, ...over };
}

describe('redundantCopies', () => {
  it('counts members beyond one per connected set, each image once across nested tiers', () => {
    expect(redundantCopies([])).toBe(0);
    expect(redundantCopies(['a,b'])).toBe(1);
    // An exact pair inside a near group of three, and a separate pair: 2 + 1.
    expect(redundantCopies(['a,b', 'a,b,c', 'd,e'])).toBe(3);
    // Two groups sharing a member form one set of four.
    expect(redundantCopies(['a,b', 'b,c,d'])).toBe(3);
  });
});

describe('summarise', () => {
  const now = new Date('2026-12-06T12:00:00Z');

  it('reports tiers, the duplicate rate, the queue age and the upload outcomes', () => {
    const s = summarise(
      counts('t', {
        groups: [
          { media: 'image', kind: 'exact', status: 'open', count: 2, members: 5 },
          { media: 'image', kind: 'near', status: 'resolved', count: 1, members: 2 },
          { media: 'video', kind: 'near', status: 'open', count: 1, members: 3 },
        ],
        openImageGroups: [
          { kind: 'exact', membersKey: 'a,b' },
          { kind: 'exact', membersKey: 'a,b,c' },
          { kind: 'exact', membersKey: 'd,e' },
        ],
        anomalyQueue: { depth: 4, oldest: new Date('2026-12-06T11:00:00Z') },
        outcomes: { created: 9, rejected: 2 },
      }),
      now,
      0.8,
    );
    // Two overlapping exact groups and a third: 3 copies, not the 4 their sizes would add to.
    expect(s.exact).toEqual({ openGroups: 2, resolvedGroups: 0, openCopies: 3 });
    expect(s.near).toEqual({ openGroups: 0, resolvedGroups: 1, openCopies: 0 });
    expect(s).toMatchObject({
      duplicateCopies: 3,
      duplicateRate: 0.3,
      openGroups: 3,
      resolvedGroups: 1,
      openVideoGroups: 1,
      anomalyQueueDepth: 4,
      anomalyQueueAgeSeconds: 3600,
      anomalyFlagScore: 0.8,
      uploadsCreated: 9,
      uploadsRejected: 2,
      uploadsDuplicate: 0,
    });
  });

  it('gives a rate of 0 for an empty library', () => {
    expect(summarise(counts('t', { stills: 0 }), now, 0.8).duplicateRate).toBe(0);
  });
});

describe('labelledTenants', () => {
  it('names the largest tenants and sums the rest under other', () => {
    const all = [
      counts('small', {
        stills: 1,
        openImageGroups: [{ kind: 'near', membersKey: 'x,y' }],
        outcomes: { rejected: 1 },
      }),
      counts('big', { stills: 100 }),
      counts('mid', { stills: 5, anomalyQueue: { depth: 2, oldest: new Date(5) } }),
    ];
    const labelled = labelledTenants(all, 1);
    expect(labelled.map((l) => l.tenant)).toEqual(['big', 'other']);
    const other = labelled[1]!.counts;
    expect(other).toMatchObject({
      stills: 6,
      anomalyQueue: { depth: 2, oldest: new Date(5) },
      outcomes: { rejected: 1 },
    });
    expect(summarise(other, new Date(), 0.8).duplicateRate).toBeCloseTo(1 / 6);
    expect(labelledTenants(all, 5).map((l) => l.tenant)).toEqual(['big', 'mid', 'small']);
  });
});

describe('bucketOf', () => {
  it('uses hours for a day and days beyond', () => {
    expect(bucketOf('24h')).toEqual({ bucket: 'hour', stepSeconds: 3600 });
    expect(bucketOf('30d')).toEqual({ bucket: 'day', stepSeconds: 86_400 });
  });
});
