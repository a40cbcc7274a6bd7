import { vi } from 'vitest';

import type { MapContext } from '../src/features/overview/components/map-draw';

/**
 * jsdom has no canvas: a 2D context for the map that draws nothing and records what it was asked
 * (the colour of each fill, and how many rects, arcs, strokes and clears).
 */
export function recordingContext() {
  const calls = { fills: [] as string[], rects: 0, arcs: 0, strokes: 0, clears: 0 };
  const ctx = {
    fillStyle: '',
    strokeStyle: '',
    lineWidth: 1,
    setTransform: () => undefined,
    clearRect: () => {
      calls.clears += 1;
    },
    beginPath: () => undefined,
    moveTo: () => undefined,
    rect: () => {
      calls.rects += 1;
    },
    arc: () => {
      calls.arcs += 1;
    },
    fill() {
      calls.fills.push(String(this.fillStyle));
    },
    stroke: () => {
      calls.strokes += 1;
    },
  };
  return { ctx: ctx as unknown as MapContext, calls };
}

/** Every canvas's `getContext` answers a recording context (the map component in jsdom). */
export function recordEveryCanvas() {
  const recorded = recordingContext();
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(
    recorded.ctx as unknown as RenderingContext,
  );
  return recorded;
}
