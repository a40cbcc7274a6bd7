/**
 * Where the map's unit square sits on the canvas: screen = offset + map × scale (CSS pixels, y down).
 * Zoom and pan produce a new view; nothing here touches the DOM.
 */
export interface MapView {
  scale: number;
  ox: number;
  oy: number;
}

/** The whole square, centred, with `padding` pixels around it. */
export function fitView(width: number, height: number, padding = 16): MapView {
  const scale = Math.max(1, Math.min(width, height) - 2 * padding);
  return { scale, ox: (width - scale) / 2, oy: (height - scale) / 2 };
}

/** How far one can zoom, relative to the fitted view. */
export const zoomLimits = { min: 0.5, max: 400 };

/** Zooms by `factor` keeping the map point under (px, py) where it is, within the limits. */
export function zoomAt(view: MapView, fit: MapView, px: number, py: number, factor: number): MapView {
  const scale = Math.min(
    fit.scale * zoomLimits.max,
    Math.max(fit.scale * zoomLimits.min, view.scale * factor),
  );
  const applied = scale / view.scale;
  return { scale, ox: px - (px - view.ox) * applied, oy: py - (py - view.oy) * applied };
}

export const panBy = (view: MapView, dx: number, dy: number): MapView => ({
  ...view,
  ox: view.ox + dx,
  oy: view.oy + dy,
});

export const toMap = (view: MapView, sx: number, sy: number): [number, number] => [
  (sx - view.ox) / view.scale,
  (sy - view.oy) / view.scale,
];

export const toScreen = (view: MapView, x: number, y: number): [number, number] => [
  view.ox + x * view.scale,
  view.oy + y * view.scale,
];

/** A wheel's delta (pixels, or lines in Firefox) as a zoom factor: one notch ≈ 1.2×, smooth on trackpads. */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-200, Math.min(200, pixels)) * 0.0018);
}

/** Dot radius in CSS pixels: larger for small maps, a little larger as one zooms in. */
export function pointRadius(count: number, zoom: number): number {
  const base = count <= 500 ? 4 : count <= 5_000 ? 2.5 : count <= 20_000 ? 1.6 : 1.2;
  return base * Math.min(3, Math.sqrt(Math.max(1, zoom)));
}
