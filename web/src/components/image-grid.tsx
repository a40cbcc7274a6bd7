import { useVirtualizer } from '@tanstack/react-virtual';
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';

import { cn } from '@/lib/utils';

import { ImageThumb } from './image-thumb';

export interface GridItem {
  imageId: string;
  thumbnailUrl?: string | undefined;
  /** Shown in the corner: a similarity score, a distance. */
  badge?: ReactNode;
  /** Shown in the opposite corner: what the tile stands for beyond itself (the frames of a video). */
  note?: ReactNode;
  caption?: ReactNode;
}

const minTile = 168;
const gap = 12;

/**
 * A virtualised thumbnail grid: only the rows on screen are in the DOM, so thousands of hits scroll
 * smoothly. Arrow keys move between tiles, Enter opens one; reaching the end asks for the next page.
 */
export function ImageGrid({
  items,
  onOpen,
  hasMore = false,
  loadingMore = false,
  onLoadMore,
  label,
  className,
}: {
  items: GridItem[];
  onOpen: (index: number) => void;
  hasMore?: boolean;
  loadingMore?: boolean;
  onLoadMore?: () => void;
  label: string;
  className?: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(1024);
  const [focusIndex, setFocusIndex] = useState(0);
  const pendingFocus = useRef(false);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const measure = () => {
      if (element.clientWidth > 0) setWidth(element.clientWidth);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width + gap) / (minTile + gap)));
  const tile = (width - gap * (columns - 1)) / columns;
  const rowHeight = tile + 28 + gap;
  const rows = Math.ceil(items.length / columns);

  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 3,
    // Lets the grid render before layout is known (and in test DOMs that have no layout at all).
    initialRect: { width: 1024, height: 800 },
  });

  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, virtualizer]);

  const virtualRows = virtualizer.getVirtualItems();
  const lastRow = virtualRows.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasMore && !loadingMore && onLoadMore && lastRow >= rows - 2) onLoadMore();
  }, [hasMore, loadingMore, onLoadMore, lastRow, rows]);

  const moveFocus = useCallback(
    (index: number) => {
      const clamped = Math.max(0, Math.min(items.length - 1, index));
      setFocusIndex(clamped);
      pendingFocus.current = true;
      virtualizer.scrollToIndex(Math.floor(clamped / columns), { align: 'auto' });
    },
    [items.length, columns, virtualizer],
  );

  useEffect(() => {
    if (!pendingFocus.current) return;
    const element = scrollRef.current?.querySelector<HTMLElement>(`[data-tile-index="${focusIndex}"]`);
    if (element) {
      pendingFocus.current = false;
      element.focus({ preventScroll: true });
    }
  });

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
    };
    const delta = moves[event.key];
    if (delta !== undefined) {
      event.preventDefault();
      moveFocus(focusIndex + delta);
    } else if (event.key === 'Home') {
      event.preventDefault();
      moveFocus(0);
    } else if (event.key === 'End') {
      event.preventDefault();
      moveFocus(items.length - 1);
    }
  };

  return (
    <div
      ref={scrollRef}
      role="grid"
      aria-label={label}
      aria-rowcount={rows}
      onKeyDown={onKeyDown}
      className={cn('h-[calc(100vh-16rem)] min-h-80 overflow-y-auto rounded-lg', className)}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualRows.map((row) => (
          <div
            key={row.key}
            role="row"
            aria-rowindex={row.index + 1}
            className="absolute left-0 grid w-full"
            style={{
              transform: `translateY(${row.start}px)`,
              gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
              gap,
            }}
          >
            {items.slice(row.index * columns, row.index * columns + columns).map((item, column) => {
              const index = row.index * columns + column;
              return (
                <div role="gridcell" key={item.imageId}>
                  <button
                    type="button"
                    data-tile-index={index}
                    data-testid="grid-tile"
                    tabIndex={index === focusIndex ? 0 : -1}
                    onFocus={() => setFocusIndex(index)}
                    onClick={() => onOpen(index)}
                    aria-label={`Open image ${item.imageId}`}
                    className="group relative block w-full overflow-hidden rounded-lg border bg-card text-left outline-none focus-visible:ring-[3px] focus-visible:ring-ring"
                  >
                    <ImageThumb
                      imageId={item.imageId}
                      src={item.thumbnailUrl}
                      className="transition-transform group-hover:scale-[1.02]"
                    />
                    {item.note !== undefined && (
                      <span className="absolute top-1.5 left-1.5 rounded bg-black/65 px-1.5 py-0.5 text-xs text-white">
                        {item.note}
                      </span>
                    )}
                    {item.badge !== undefined && (
                      <span className="absolute top-1.5 right-1.5 rounded bg-black/65 px-1.5 py-0.5 font-mono text-xs text-white">
                        {item.badge}
                      </span>
                    )}
                    <div className="truncate px-2 py-1 text-xs text-muted-foreground">
                      {item.caption ?? item.imageId}
                    </div>
                  </button>
                </div>
              );
            })}
          </div>
        ))}
      </div>
      {loadingMore && <p className="py-3 text-center text-sm text-muted-foreground">Loading more…</p>}
    </div>
  );
}
