import type { ImageMatch } from '@lookalike/contracts';
import { nearDuplicateReport } from './near-duplicate-report';

function match(imageId: string, kind: string, cosine: number, hamming = 10): ImageMatch {
  return { imageId, kind, cosine, hamming, qualityScore: 0.5 };
}

describe('nearDuplicateReport', () => {
  it("lists the dedup service's tier and distances of each match", () => {
    expect(nearDuplicateReport([match('A', 'near', 0.93, 4)], 10)).toEqual([
      { imageId: 'A', kind: 'near', hamming: 4, cosine: 0.93 },
    ]);
  });

  it('orders exact, near, similar, then by cosine descending, and keeps at most the limit', () => {
    const report = nearDuplicateReport(
      [
        match('S1', 'similar', 0.97),
        match('N1', 'near', 0.82),
        match('E1', 'exact', 0.5),
        match('N2', 'near', 0.91),
        match('S2', 'similar', 0.99),
      ],
      4,
    );
    expect(report.map((n) => n.imageId)).toEqual(['E1', 'N2', 'N1', 'S2']);
  });

  it('drops matches of a tier it does not know, and answers none for a limit of 0', () => {
    expect(nearDuplicateReport([match('X', 'maybe', 0.99), match('A', 'near', 0.9)], 10)).toHaveLength(1);
    expect(nearDuplicateReport([match('A', 'near', 0.9)], 0)).toEqual([]);
  });
});
