import { describe, expect, it } from 'vitest';

import { fitView, panBy, pointRadius, toMap, toScreen, wheelFactor, zoomAt, zoomLimits } from './map-view';

describe('map view', () => {
  it('fits the unit square in the smaller side, centred, with padding', () => {
    const view = fitView(800, 400, 20);
    expect(view).toEqual({ scale: 360, ox: 220, oy: 20 });
    expect(toScreen(view, 0, 0)).toEqual([220, 20]);
    expect(toScreen(view, 1, 1)).toEqual([580, 380]);
    expect(toMap(view, 400, 200)).toEqual([0.5, 0.5]);
  });

  it('zooms about the pointer: the map point under it stays put', () => {
    const fit = fitView(800, 600);
    const before = toMap(fit, 300, 250);
    const zoomed = zoomAt(fit, fit, 300, 250, 2.5);
    expect(zoomed.scale).toBeCloseTo(fit.scale * 2.5);
    const after = toMap(zoomed, 300, 250);
    expect(after[0]).toBeCloseTo(before[0]);
    expect(after[1]).toBeCloseTo(before[1]);
  });

  it('keeps the zoom within its limits', () => {
    const fit = fitView(800, 600);
    expect(zoomAt(fit, fit, 0, 0, 1e6).scale).toBeCloseTo(fit.scale * zoomLimits.max);
    expect(zoomAt(fit, fit, 0, 0, 1e-6).scale).toBeCloseTo(fit.scale * zoomLimits.min);
  });

  it('pans by the pointer movement', () => {
    expect(panBy({ scale: 100, ox: 10, oy: 20 }, 5, -7)).toEqual({ scale: 100, ox: 15, oy: 13 });
  });

  it('turns wheel notches into symmetric zoom steps', () => {
    expect(wheelFactor(-100)).toBeGreaterThan(1);
    expect(wheelFactor(100) * wheelFactor(-100)).toBeCloseTo(1);
    // Firefox reports lines; a line is about 16 pixels.
    expect(wheelFactor(3, 1)).toBeCloseTo(wheelFactor(48));
  });

  it('draws smaller dots for larger maps, larger as one zooms in (up to 3×)', () => {
    expect(pointRadius(100, 1)).toBeGreaterThan(pointRadius(50_000, 1));
    expect(pointRadius(50_000, 4)).toBeCloseTo(pointRadius(50_000, 1) * 2);
    expect(pointRadius(50_000, 100)).toBeCloseTo(pointRadius(50_000, 1) * 3);
  });
});
