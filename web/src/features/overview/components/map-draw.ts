import type { ColorBuckets } from './map-colors';
import { toScreen, type MapView } from './map-view';

/** The part of CanvasRenderingContext2D the map uses (a stub in the tests). */
export type MapContext = Pick<
  CanvasRenderingContext2D,
  | 'setTransform'
  | 'clearRect'
  | 'beginPath'
  | 'rect'
  | 'arc'
  | 'moveTo'
  | 'fill'
  | 'stroke'
  | 'fillStyle'
  | 'strokeStyle'
  | 'lineWidth'
>;

export interface DrawInput {
  xs: Float32Array;
  ys: Float32Array;
  palette: string[];
  buckets: ColorBuckets;
  view: MapView;
  /** CSS pixels. */
  width: number;
  height: number;
  dpr: number;
  radius: number;
  highlight: number;
  highlightColor: string;
}

/**
 * One frame: clear, then each colour's points as one path and one fill (squares when they are small,
 * which is much cheaper than arcs and looks the same), points off screen skipped. Returns the number
 * of points drawn.
 */
export function drawMap(ctx: MapContext, input: DrawInput): number {
  const { xs, ys, palette, buckets, view, width, height, dpr, radius, highlight } = input;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const { scale, ox, oy } = view;
  const round = radius >= 2;
  const side = radius * 2;
  let drawn = 0;
  for (let c = 0; c < palette.length; c += 1) {
    const from = buckets.start[c]!;
    const to = buckets.start[c + 1]!;
    if (from === to) continue;
    ctx.fillStyle = palette[c]!;
    ctx.beginPath();
    for (let k = from; k < to; k += 1) {
      const i = buckets.items[k]!;
      const sx = ox + xs[i]! * scale;
      const sy = oy + ys[i]! * scale;
      if (sx < -radius || sy < -radius || sx > width + radius || sy > height + radius) continue;
      if (round) {
        ctx.moveTo(sx + radius, sy);
        ctx.arc(sx, sy, radius, 0, Math.PI * 2);
      } else ctx.rect(sx - radius, sy - radius, side, side);
      drawn += 1;
    }
    ctx.fill();
  }
  if (highlight >= 0 && highlight < xs.length) {
    const [sx, sy] = toScreen(view, xs[highlight]!, ys[highlight]!);
    ctx.beginPath();
    ctx.arc(sx, sy, Math.max(5, radius + 3), 0, Math.PI * 2);
    ctx.lineWidth = 2;
    ctx.strokeStyle = input.highlightColor;
    ctx.stroke();
  }
  return drawn;
}
