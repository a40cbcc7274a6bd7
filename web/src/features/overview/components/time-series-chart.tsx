import { useId, useState, type KeyboardEvent } from 'react';

import { formatCount } from '@/lib/format';
import { cn } from '@/lib/utils';

import { axisTicks, bucketLabel, bucketTitle, labelledBuckets, niceMax } from './chart-scale';

export interface ChartPoint {
  t: string;
  value: number;
}

const width = 320;
const height = 150;
const margin = { top: 10, right: 8, bottom: 22, left: 34 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;

/**
 * A small SVG chart of one series over the window's buckets: bars for counts per bucket, a line for a
 * level (the backlog). Hover or arrow keys (once focused) show a bucket's value; a hidden table
 * carries the same numbers for screen readers.
 */
export function TimeSeriesChart({
  title,
  description,
  points,
  bucket,
  variant,
  unit,
}: {
  title: string;
  description: string;
  points: ChartPoint[];
  bucket: 'hour' | 'day';
  variant: 'bar' | 'line';
  /** What a value counts, for the tooltip ("uploads"). */
  unit: string;
}) {
  const id = useId();
  const [active, setActive] = useState<number | null>(null);
  const n = points.length;
  const top = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const slot = n > 0 ? plotWidth / n : plotWidth;
  const yOf = (value: number) => margin.top + plotHeight - (value / top) * plotHeight;
  const xOf = (i: number) => margin.left + (i + 0.5) * slot;
  const total = points.reduce((sum, p) => sum + p.value, 0);
  const last = points.at(-1)?.value ?? 0;
  const summary =
    variant === 'bar'
      ? `${formatCount(total)} ${unit} in ${n} ${bucket === 'hour' ? 'hours' : 'days'}`
      : `${formatCount(last)} ${unit} now`;

  const onKeyDown = (event: KeyboardEvent) => {
    if (n === 0) return;
    if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      event.preventDefault();
      const step = event.key === 'ArrowRight' ? 1 : -1;
      setActive((current) => Math.min(n - 1, Math.max(0, (current ?? (step > 0 ? -1 : n)) + step)));
    } else if (event.key === 'Escape') setActive(null);
  };

  const activePoint = active === null ? undefined : points[active];

  return (
    <figure className="relative grid gap-1" data-testid="time-series-chart">
      <figcaption className="flex items-baseline justify-between gap-2">
        <span className="text-sm font-medium">{title}</span>
        <span className="text-xs text-muted-foreground" data-testid="chart-summary">
          {summary}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        className="h-auto w-full overflow-visible rounded-md outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onBlur={() => setActive(null)}
        onPointerLeave={() => setActive(null)}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>
          {description} {summary}.
        </desc>
        {axisTicks(top).map((tick) => (
          <g key={tick}>
            <line
              x1={margin.left}
              x2={width - margin.right}
              y1={yOf(tick)}
              y2={yOf(tick)}
              className={tick === 0 ? 'stroke-muted-foreground/60' : 'stroke-border'}
              strokeDasharray={tick === 0 ? undefined : '3 3'}
            />
            <text
              x={margin.left - 6}
              y={yOf(tick)}
              textAnchor="end"
              dominantBaseline="middle"
              className="fill-muted-foreground text-[10px]"
            >
              {formatCount(tick)}
            </text>
          </g>
        ))}
        {labelledBuckets(n).map((i) => (
          <text
            key={i}
            x={xOf(i)}
            y={height - 6}
            textAnchor={i === 0 && n > 1 ? 'start' : i === n - 1 && n > 1 ? 'end' : 'middle'}
            className="fill-muted-foreground text-[10px]"
          >
            {bucketLabel(points[i]!.t, bucket)}
          </text>
        ))}
        {variant === 'bar' ? (
          points.map((p, i) => {
            const barWidth = Math.max(1, slot * 0.7);
            return (
              <rect
                key={p.t}
                x={xOf(i) - barWidth / 2}
                y={yOf(p.value)}
                width={barWidth}
                height={Math.max(0, margin.top + plotHeight - yOf(p.value))}
                rx={1}
                className={cn(
                  'fill-primary transition-opacity',
                  active !== null && active !== i && 'opacity-50',
                )}
              />
            );
          })
        ) : (
          <>
            <path
              d={`${points.map((p, i) => `${i === 0 ? 'M' : 'L'}${xOf(i)},${yOf(p.value)}`).join(' ')}${
                n > 0 ? ` L${xOf(n - 1)},${yOf(0)} L${xOf(0)},${yOf(0)} Z` : ''
              }`}
              className="fill-primary/10"
            />
            <polyline
              points={points.map((p, i) => `${xOf(i)},${yOf(p.value)}`).join(' ')}
              className="fill-none stroke-primary"
              strokeWidth={2}
              strokeLinejoin="round"
            />
          </>
        )}
        {activePoint && active !== null && (
          <g pointerEvents="none">
            <line
              x1={xOf(active)}
              x2={xOf(active)}
              y1={margin.top}
              y2={margin.top + plotHeight}
              className="stroke-foreground/40"
            />
            {variant === 'line' && (
              <circle
                cx={xOf(active)}
                cy={yOf(activePoint.value)}
                r={3.5}
                className="fill-background stroke-primary"
                strokeWidth={2}
              />
            )}
          </g>
        )}
        {points.map((p, i) => (
          <rect
            key={p.t}
            x={margin.left + i * slot}
            y={margin.top}
            width={slot}
            height={plotHeight}
            fill="transparent"
            onPointerEnter={() => setActive(i)}
            data-testid="chart-bucket"
          />
        ))}
      </svg>
      {activePoint && active !== null && (
        <div
          role="status"
          className="pointer-events-none absolute top-6 z-10 -translate-x-1/2 rounded-md border bg-popover px-2 py-1 text-xs whitespace-nowrap text-popover-foreground shadow-md"
          style={{ left: `${Math.min(85, Math.max(15, (xOf(active) / width) * 100))}%` }}
          data-testid="chart-tooltip"
        >
          <div className="text-muted-foreground">{bucketTitle(activePoint.t, bucket)}</div>
          <div className="font-medium">
            {formatCount(activePoint.value)} {unit}
          </div>
        </div>
      )}
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{bucket === 'hour' ? 'Hour' : 'Day'}</th>
            <th scope="col">{unit}</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.t}>
              <td>{bucketTitle(p.t, bucket)}</td>
              <td>{p.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
