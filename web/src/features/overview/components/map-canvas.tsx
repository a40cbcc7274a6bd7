import { MinusIcon, PlusIcon, ScanIcon } from 'lucide-react';
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type ReactNode,
} from 'react';

import { Button } from '@/components/ui/button';

import type { ColorBuckets } from './map-colors';
import { drawMap } from './map-draw';
import { nearestPoint, type PointGrid } from './map-grid';
import { fitView, panBy, pointRadius, toMap, toScreen, wheelFactor, zoomAt, type MapView } from './map-view';

export interface MapPoints {
  xs: Float32Array;
  ys: Float32Array;
  grid: PointGrid;
}

/** Pixels within which the pointer picks a point (more than a small dot's radius, so it is easy to hit). */
const pickRadius = 6;
/** Movement that turns a press into a drag rather than a click. */
const clickSlop = 4;

interface Hover {
  index: number;
  x: number;
  y: number;
  flipX: boolean;
  flipY: boolean;
}

interface Surface {
  view: MapView | null;
  fit: MapView | null;
  width: number;
  height: number;
  dpr: number;
  frame: number;
  hovered: number;
}

/**
 * The scatter on a 2D canvas: every frame is one pass over the points (see drawMap), scheduled with
 * requestAnimationFrame and drawn at the device's pixel ratio. Wheel or pinch zooms about the pointer,
 * a drag pans, a click opens the point under the pointer. Hit-testing uses the grid; React state
 * changes only when the hovered point does.
 */
export function MapCanvas({
  points,
  palette,
  buckets,
  label,
  onOpen,
  tooltip,
}: {
  points: MapPoints;
  palette: string[];
  buckets: ColorBuckets;
  label: string;
  onOpen: (index: number) => void;
  tooltip: (index: number) => ReactNode;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const surface = useRef<Surface>({
    view: null,
    fit: null,
    width: 0,
    height: 0,
    dpr: 1,
    frame: 0,
    hovered: -1,
  });
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const travel = useRef(0);
  const [hover, setHover] = useState<Hover | null>(null);
  const [dragging, setDragging] = useState(false);
  const n = points.xs.length;

  const draw = useCallback(() => {
    const canvas = canvasRef.current;
    const s = surface.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !s.view || !s.fit) return;
    const start = performance.now();
    drawMap(ctx, {
      xs: points.xs,
      ys: points.ys,
      palette,
      buckets,
      view: s.view,
      width: s.width,
      height: s.height,
      dpr: s.dpr,
      radius: pointRadius(n, s.view.scale / s.fit.scale),
      highlight: s.hovered,
      highlightColor: getComputedStyle(canvas).color || '#000',
    });
    // Read by the browser test, which reports how long a frame of 50,000 points takes.
    canvas.dataset.drawMs = (performance.now() - start).toFixed(2);
    canvas.dataset.view = `${s.view.scale},${s.view.ox},${s.view.oy}`;
  }, [points, palette, buckets, n]);

  const drawRef = useRef(draw);
  useLayoutEffect(() => {
    drawRef.current = draw;
  }, [draw]);

  const requestDraw = useCallback(() => {
    const s = surface.current;
    if (s.frame) return;
    s.frame = requestAnimationFrame(() => {
      s.frame = 0;
      drawRef.current();
    });
  }, []);

  useEffect(() => {
    const s = surface.current;
    return () => cancelAnimationFrame(s.frame);
  }, []);

  const setHovered = useCallback(
    (index: number) => {
      const s = surface.current;
      if (index === s.hovered) return;
      s.hovered = index;
      requestDraw();
      if (index < 0 || !s.view) setHover(null);
      else {
        const [x, y] = toScreen(s.view, points.xs[index]!, points.ys[index]!);
        // Near the right or bottom edge the tooltip opens to the other side of the point.
        setHover({ index, x, y, flipX: x > s.width - 240, flipY: y > s.height - 200 });
      }
    },
    [points, requestDraw],
  );

  // New points (a recomputed map): back to the whole map, nothing hovered.
  useEffect(() => {
    const s = surface.current;
    s.view = s.fit;
    s.hovered = -1;
    setHover(null);
  }, [points]);

  // Colours or points changed: one new frame.
  useEffect(() => requestDraw(), [draw, requestDraw]);

  useEffect(() => {
    const container = containerRef.current;
    const canvas = canvasRef.current;
    if (!container || !canvas) return;
    const resize = () => {
      const width = Math.max(1, Math.round(container.clientWidth));
      const height = Math.max(1, Math.round(container.clientHeight));
      const dpr = window.devicePixelRatio || 1;
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      const s = surface.current;
      const fit = fitView(width, height);
      if (s.view && s.fit) {
        // Keep the zoom and the map point at the centre where they were.
        const [cx, cy] = toMap(s.view, s.width / 2, s.height / 2);
        const scale = (s.view.scale / s.fit.scale) * fit.scale;
        s.view = { scale, ox: width / 2 - cx * scale, oy: height / 2 - cy * scale };
      } else s.view = fit;
      Object.assign(s, { fit, width, height, dpr });
      requestDraw();
    };
    resize();
    const observer = new ResizeObserver(resize);
    observer.observe(container);
    return () => observer.disconnect();
  }, [requestDraw]);

  const changeView = useCallback(
    (next: (view: MapView, fit: MapView) => MapView) => {
      const s = surface.current;
      if (!s.view || !s.fit) return;
      s.view = next(s.view, s.fit);
      setHovered(-1);
      requestDraw();
    },
    [requestDraw, setHovered],
  );

  // Wheel zoom needs a non-passive listener to keep the page from scrolling under the map.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const factor = wheelFactor(event.deltaY, event.deltaMode);
      changeView((view, fit) =>
        zoomAt(view, fit, event.clientX - rect.left, event.clientY - rect.top, factor),
      );
    };
    canvas.addEventListener('wheel', onWheel, { passive: false });
    return () => canvas.removeEventListener('wheel', onWheel);
  }, [changeView]);

  const local = (event: PointerEvent) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };

  const pick = (x: number, y: number) => {
    const s = surface.current;
    if (!s.view || !s.fit) return -1;
    const [mx, my] = toMap(s.view, x, y);
    const radius = Math.max(pickRadius, pointRadius(n, s.view.scale / s.fit.scale) + 2);
    return nearestPoint(points.grid, mx, my, radius / s.view.scale);
  };

  const onPointerDown = (event: PointerEvent<HTMLCanvasElement>) => {
    event.currentTarget.setPointerCapture(event.pointerId);
    pointers.current.set(event.pointerId, local(event));
    if (pointers.current.size === 1) travel.current = 0;
    else travel.current = Infinity; // a pinch is never a click
  };

  const onPointerMove = (event: PointerEvent<HTMLCanvasElement>) => {
    const position = local(event);
    const active = pointers.current;
    const previous = active.get(event.pointerId);
    if (!previous) {
      setHovered(pick(position.x, position.y));
      return;
    }
    if (active.size === 1) {
      const dx = position.x - previous.x;
      const dy = position.y - previous.y;
      travel.current += Math.abs(dx) + Math.abs(dy);
      active.set(event.pointerId, position);
      if (travel.current > clickSlop) {
        setDragging(true);
        changeView((view) => panBy(view, dx, dy));
      }
      return;
    }
    // Two fingers: pan with their midpoint, zoom with their spread.
    const [a, b] = [...active.values()];
    const other = a === previous ? b! : a!;
    const before = { mid: midpoint(previous, other), spread: distance(previous, other) };
    active.set(event.pointerId, position);
    const after = { mid: midpoint(position, other), spread: distance(position, other) };
    changeView((view, fit) =>
      zoomAt(
        panBy(view, after.mid.x - before.mid.x, after.mid.y - before.mid.y),
        fit,
        after.mid.x,
        after.mid.y,
        before.spread > 0 ? after.spread / before.spread : 1,
      ),
    );
  };

  const onPointerUp = (event: PointerEvent<HTMLCanvasElement>) => {
    const wasClick = pointers.current.size === 1 && travel.current <= clickSlop;
    pointers.current.delete(event.pointerId);
    if (pointers.current.size === 0) setDragging(false);
    if (!wasClick) return;
    const { x, y } = local(event);
    const index = pick(x, y);
    if (index >= 0) onOpen(index);
  };

  const onPointerCancel = (event: PointerEvent<HTMLCanvasElement>) => {
    pointers.current.delete(event.pointerId);
    if (pointers.current.size === 0) setDragging(false);
  };

  const zoomCentre = (factor: number) =>
    changeView((view, fit) =>
      zoomAt(view, fit, surface.current.width / 2, surface.current.height / 2, factor),
    );
  const reset = () => changeView((_, fit) => fit);

  const onKeyDown = (event: KeyboardEvent) => {
    const step = 40;
    const actions: Record<string, () => void> = {
      '+': () => zoomCentre(1.5),
      '=': () => zoomCentre(1.5),
      '-': () => zoomCentre(1 / 1.5),
      '0': reset,
      ArrowLeft: () => changeView((view) => panBy(view, step, 0)),
      ArrowRight: () => changeView((view) => panBy(view, -step, 0)),
      ArrowUp: () => changeView((view) => panBy(view, 0, step)),
      ArrowDown: () => changeView((view) => panBy(view, 0, -step)),
    };
    const action = actions[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    action();
  };

  return (
    <div
      ref={containerRef}
      className="relative h-[min(70vh,640px)] min-h-[360px] overflow-hidden rounded-lg border bg-muted/20"
    >
      <canvas
        ref={canvasRef}
        data-testid="map-canvas"
        data-points={n}
        role="img"
        aria-label={label}
        tabIndex={0}
        className="absolute inset-0 size-full touch-none text-foreground outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
        style={{ cursor: dragging ? 'grabbing' : hover ? 'pointer' : 'grab' }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerCancel}
        onPointerLeave={() => {
          if (pointers.current.size === 0) setHovered(-1);
        }}
        onKeyDown={onKeyDown}
      />
      <div className="absolute top-2 right-2 flex flex-col gap-1">
        <Button
          variant="outline"
          size="icon"
          className="size-8 bg-background"
          onClick={() => zoomCentre(1.5)}
          aria-label="Zoom in"
          title="Zoom in (+)"
        >
          <PlusIcon />
        </Button>
        <Button
          variant="outline"
          size="icon"
          className="size-8 bg-background"
          onClick={() => zoomCentre(1 / 1.5)}
          aria-label="Zoom out"
          title="Zoom out (−)"
        >
          <MinusIcon />
        </Button>
        <Button
          variant="outline"
          size="icon"
          className="size-8 bg-background"
          onClick={reset}
          aria-label="Reset the view"
          title="Whole map (0)"
        >
          <ScanIcon />
        </Button>
      </div>
      {hover && (
        <div
          className="pointer-events-none absolute z-10 w-52"
          style={{
            left: hover.x + (hover.flipX ? -14 : 14),
            top: hover.y + (hover.flipY ? -14 : 14),
            transform: `translate(${hover.flipX ? '-100%' : '0'}, ${hover.flipY ? '-100%' : '0'})`,
          }}
          data-testid="map-tooltip"
        >
          {tooltip(hover.index)}
        </div>
      )}
    </div>
  );
}

const midpoint = (a: { x: number; y: number }, b: { x: number; y: number }) => ({
  x: (a.x + b.x) / 2,
  y: (a.y + b.y) / 2,
});
const distance = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.hypot(a.x - b.x, a.y - b.y);
