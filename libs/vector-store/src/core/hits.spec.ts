import { compareHits, topK } from './hits';

describe('topK', () => {
  it('returns the first k in comparator order, like a full sort would', () => {
    let s = 7;
    const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const items = Array.from({ length: 500 }, (_, i) => ({
      id: `p${String(i).padStart(3, '0')}`,
      score: Math.round(rnd() * 50) / 50,
    }));
    for (const k of [1, 7, 100, 499, 500, 600]) {
      expect(topK(items, k, compareHits)).toEqual([...items].sort(compareHits).slice(0, k));
    }
  });

  it('breaks equal scores by id and takes nothing for k <= 0', () => {
    const tied = [
      { id: 'c', score: 1 },
      { id: 'a', score: 1 },
      { id: 'b', score: 1 },
    ];
    expect(topK(tied, 2, compareHits).map((h) => h.id)).toEqual(['a', 'b']);
    expect(topK(tied, 0, compareHits)).toEqual([]);
  });
});
