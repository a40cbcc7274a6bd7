import { describe, expect, it } from 'vitest';

import { seededPoints } from './map-test-points';
import { buildGrid, nearestPoint } from './map-grid';

/** The answer by brute force: what the grid must agree with. */
function nearestByScan(xs: Float32Array, ys: Float32Array, x: number, y: number, radius: number) {
  let best = -1;
  let bestDistance = radius * radius;
  for (let i = 0; i < xs.length; i += 1) {
    const d = (xs[i]! - x) ** 2 + (ys[i]! - y) ** 2;
    if (d < bestDistance || (d === bestDistance && i > best)) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}

describe('map hit-test grid', () => {
  it('buckets every point exactly once, about four to a cell', () => {
    const { xs, ys } = seededPoints(10_000, 1);
    const grid = buildGrid(xs, ys);
    expect(grid.size).toBe(50);
    expect(grid.cellStart[grid.size * grid.size]).toBe(10_000);
    expect([...grid.items].sort((a, b) => a - b)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    // Each point sits in the cell its coordinates name.
    for (let cell = 0; cell < grid.size * grid.size; cell += 1) {
      for (let k = grid.cellStart[cell]!; k < grid.cellStart[cell + 1]!; k += 1) {
        const i = grid.items[k]!;
        expect(Math.min(grid.size - 1, Math.floor(ys[i]! * grid.size)) * grid.size).toBeLessThanOrEqual(cell);
        expect(Math.min(grid.size - 1, Math.floor(xs[i]! * grid.size))).toBe(cell % grid.size);
      }
    }
  });

  it('finds the same nearest point as a full scan, at every zoom', () => {
    const { xs, ys } = seededPoints(5_000, 7);
    const grid = buildGrid(xs, ys);
    let random = 12345;
    const next = () => {
      random = (random * 1103515245 + 12345) % 2 ** 31;
      return random / 2 ** 31;
    };
    for (const radius of [0.0005, 0.005, 0.03, 0.2]) {
      for (let q = 0; q < 300; q += 1) {
        const x = next() * 1.2 - 0.1;
        const y = next() * 1.2 - 0.1;
        expect(nearestPoint(grid, x, y, radius)).toBe(nearestByScan(xs, ys, x, y, radius));
      }
    }
  });

  it('answers -1 away from every point, for an empty map and for no radius', () => {
    const xs = Float32Array.from([0.1, 0.9]);
    const ys = Float32Array.from([0.1, 0.9]);
    const grid = buildGrid(xs, ys);
    expect(nearestPoint(grid, 0.5, 0.5, 0.05)).toBe(-1);
    expect(nearestPoint(grid, 0.11, 0.1, 0.05)).toBe(0);
    expect(nearestPoint(grid, 3, 3, 0.05)).toBe(-1);
    expect(nearestPoint(grid, 0.1, 0.1, 0)).toBe(-1);
    expect(nearestPoint(buildGrid(new Float32Array(0), new Float32Array(0)), 0.5, 0.5, 1)).toBe(-1);
  });

  it('prefers the point drawn last where two coincide', () => {
    const xs = Float32Array.from([0.5, 0.5, 0.2]);
    const ys = Float32Array.from([0.5, 0.5, 0.2]);
    expect(nearestPoint(buildGrid(xs, ys), 0.5, 0.5, 0.01)).toBe(1);
  });

  it('spreads 50,000 clustered points so that no cell holds more than 2% of them', () => {
    const { xs, ys } = seededPoints(50_000, 3);
    const grid = buildGrid(xs, ys);
    expect(grid.size).toBe(112);
    let largest = 0;
    for (let c = 0; c < grid.size * grid.size; c += 1)
      largest = Math.max(largest, grid.cellStart[c + 1]! - grid.cellStart[c]!);
    // A tight cluster packs hundreds into one cell (a uniform grid's weak spot), still a small read.
    expect(largest).toBeLessThan(1_000);
  });
});
