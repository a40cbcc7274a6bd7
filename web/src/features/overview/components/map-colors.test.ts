import { describe, expect, it } from 'vitest';

import {
  anomalyRamp,
  bucketByColor,
  categorical,
  colorByAnomaly,
  colorByGroup,
  colorByTag,
  colorPoints,
  noneColor,
} from './map-colors';

const colorsOf = (coloring: { palette: string[]; colorOf: Uint8Array }) =>
  [...coloring.colorOf].map((c) => coloring.palette[c]);

describe('map colours', () => {
  it('gives each duplicate group a categorical colour and points in no group grey', () => {
    const coloring = colorByGroup([-1, 0, 1, 0, 12, -1], 13);
    expect(colorsOf(coloring)).toEqual([
      noneColor,
      categorical[0],
      categorical[1],
      categorical[0],
      categorical[2], // 12 % 10: the palette repeats past ten groups
      noneColor,
    ]);
    expect(coloring.legend).toEqual([
      expect.objectContaining({
        kind: 'swatches',
        count: 4,
        label: expect.stringContaining('colours repeat'),
      }),
      { kind: 'swatch', color: noneColor, label: 'In no open group', count: 2 },
    ]);
  });

  it('puts anomaly scores on a sequential ramp over the scores present; unscored grey', () => {
    const coloring = colorByAnomaly([-1, 0.2, 0.9, 0.55, 0.2]);
    const colors = colorsOf(coloring);
    expect(colors[0]).toBe(noneColor);
    expect(colors[1]).toBe(anomalyRamp[0]);
    expect(colors[2]).toBe(anomalyRamp[anomalyRamp.length - 1]);
    expect(anomalyRamp.indexOf(colors[3]!)).toBe(Math.floor(anomalyRamp.length / 2));
    expect(coloring.legend[0]).toEqual(
      expect.objectContaining({ kind: 'ramp', min: 0.2, max: 0.9, count: 4, label: 'Anomaly score' }),
    );
    expect(coloring.legend[1]).toEqual({ kind: 'swatch', color: noneColor, label: 'Not scored', count: 1 });
    // Higher steps come later in the palette, so the oddest points are drawn on top.
    expect(coloring.colorOf[2]).toBeGreaterThan(coloring.colorOf[3]!);
  });

  it('colours every scored point the top step when all scores are equal, and has no ramp with none', () => {
    expect(colorsOf(colorByAnomaly([0.4, 0.4]))).toEqual([anomalyRamp.at(-1), anomalyRamp.at(-1)]);
    expect(colorByAnomaly([-1, -1]).legend).toEqual([
      { kind: 'swatch', color: noneColor, label: 'Not scored', count: 2 },
    ]);
  });

  it('gives the most frequent tags a colour each, the rest one "other" colour, untagged grey', () => {
    const tags = [
      ...Array.from({ length: 10 }, (_, i) => Array<string>(20 - i).fill(`tag${i}`)).flat(),
      '',
      '',
    ];
    const coloring = colorByTag(tags);
    const labels = coloring.legend.map((item) => item.label);
    expect(labels).toEqual([
      'tag0',
      'tag1',
      'tag2',
      'tag3',
      'tag4',
      'tag5',
      'tag6',
      'tag7',
      'Other tags (2)',
      'Untagged',
    ]);
    expect(coloring.legend.at(-2)).toEqual(expect.objectContaining({ count: 12 + 11 }));
    const colors = colorsOf(coloring);
    expect(colors[0]).toBe(categorical[0]);
    expect(colors.at(-1)).toBe(noneColor);
    expect(new Set(colors.slice(0, 20 + 19 + 18 + 17 + 16 + 15 + 14 + 13)).size).toBe(8);
  });

  it('breaks ties between equally frequent tags by name', () => {
    const coloring = colorByTag(['b', 'a', 'b', 'a', 'c']);
    expect(coloring.legend.map((item) => item.label)).toEqual(['a', 'b', 'c', 'Untagged']);
  });

  it('chooses the mapping by name', () => {
    const map = { anomaly: [0.5], group: [0], tag: ['x'], group_ids: ['g'] };
    expect(colorsOf(colorPoints(map, 'group'))).toEqual([categorical[0]]);
    expect(colorsOf(colorPoints(map, 'anomaly'))).toEqual([anomalyRamp.at(-1)]);
    expect(colorsOf(colorPoints(map, 'tag'))).toEqual([categorical[0]]);
  });

  it('groups the points by colour in palette order, grey first', () => {
    const buckets = bucketByColor(colorByGroup([1, -1, 0, 1, -1], 2));
    expect([...buckets.start.slice(0, 4)]).toEqual([0, 2, 3, 5]);
    expect([...buckets.items]).toEqual([1, 4, 2, 0, 3]);
  });
});
