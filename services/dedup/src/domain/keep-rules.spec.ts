import type { DedupImage } from './dedup-image';
import { parseKeepRules, suggestKeep } from './keep-rules';
import { UnionFind } from './union-find';

const image = (id: string, over: Partial<DedupImage> = {}): DedupImage => ({
  imageId: id,
  sha256: id.padEnd(64, '0'),
  phash: '0000000000000000',
  qualityScore: 0.8,
  width: 100,
  height: 100,
  format: 'jpeg',
  createdAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

describe('keep rules', () => {
  it('prefers quality, then resolution, then format, then age', () => {
    const rules = parseKeepRules('quality,resolution,format,age');
    expect(suggestKeep([image('a'), image('b', { qualityScore: 0.9 })], rules).imageId).toBe('b');
    expect(suggestKeep([image('a'), image('b', { width: 200 })], rules).imageId).toBe('b');
    expect(suggestKeep([image('a'), image('b', { format: 'png' })], rules).imageId).toBe('b');
    expect(suggestKeep([image('a', { createdAt: '2025-02-01T00:00:00Z' }), image('b')], rules).imageId).toBe(
      'b',
    );
  });

  it('follows the configured order', () => {
    const members = [image('a', { width: 400 }), image('b', { createdAt: '2024-01-01T00:00:00Z' })];
    expect(suggestKeep(members, parseKeepRules('resolution,age')).imageId).toBe('a');
    expect(suggestKeep(members, parseKeepRules('age,resolution')).imageId).toBe('b');
  });

  it('rejects an unknown rule', () => {
    expect(() => parseKeepRules('quality,size')).toThrow(/unknown keep rule "size"/);
  });
});

describe('union-find', () => {
  it('merges transitively and lists sets of two or more', () => {
    const uf = new UnionFind();
    uf.union('c', 'd');
    uf.union('a', 'b');
    uf.union('b', 'c');
    uf.find('z');
    expect(uf.groups()).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('refuses a union that would join separated keys, even through a third', () => {
    const uf = new UnionFind();
    uf.separate('a', 'c');
    expect(uf.union('a', 'b')).toBe(true);
    expect(uf.union('b', 'c')).toBe(false);
    expect(uf.union('c', 'd')).toBe(true);
    expect(uf.groups()).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});
