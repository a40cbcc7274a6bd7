import { useQueryClient } from '@tanstack/react-query';
import { ImagesIcon, MapIcon, RefreshCwIcon, SparklesIcon } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';

import { isJobFinished, useJob } from '@/api/get-job';
import type { EmbeddingMap, Job } from '@/api/types';
import { EmptyState } from '@/components/empty-state';
import { ImageThumb } from '@/components/image-thumb';
import { ProblemAlert } from '@/components/problem-alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Progress } from '@/components/ui/progress';
import { Skeleton } from '@/components/ui/skeleton';
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { formatCount, formatDate, formatScore, shortId } from '@/lib/format';
import { useDebouncedValue } from '@/lib/use-debounced-value';

import { useComputeEmbeddingMap } from '../api/compute-embedding-map';
import { embeddingMapKey, useEmbeddingMap } from '../api/get-embedding-map';
import { bucketByColor, colorPoints, type ColorBy, type LegendItem } from './map-colors';
import { MapCanvas, type MapPoints } from './map-canvas';
import { buildGrid } from './map-grid';

const colorModes: { value: ColorBy; label: string }[] = [
  { value: 'group', label: 'Duplicate group' },
  { value: 'anomaly', label: 'Anomaly' },
  { value: 'tag', label: 'Tag' },
];

/** Hovering a point asks for its image only once the pointer rests on it this long. */
const tooltipDelayMs = 150;

/**
 * The embedding map of the library (GET /api/stats/map): a 2-D projection computed as a job and kept
 * by the server. The view computes it on request, follows the job, and shows the points on a canvas.
 */
export function EmbeddingMapPanel({
  libraryEmpty,
  onOpenImage,
}: {
  libraryEmpty: boolean;
  onOpenImage: (imageId: string) => void;
}) {
  const queryClient = useQueryClient();
  const map = useEmbeddingMap();
  const compute = useComputeEmbeddingMap();
  const [startedJob, setStartedJob] = useState<string | null>(null);
  // A computation started elsewhere (another tab, before a reload) is followed the same way.
  const serverJob = map.data?.status === 'computing' ? (map.data.job_id ?? null) : null;
  const jobId = startedJob ?? serverJob;
  const job = useJob(jobId);
  const handled = useRef(new Set<string>());
  const [colorBy, setColorBy] = useState<ColorBy>('group');

  useEffect(() => {
    if (!jobId || !job.data || job.data.job_id !== jobId || !isJobFinished(job.data)) return;
    if (handled.current.has(jobId)) return;
    handled.current.add(jobId);
    if (job.data.state === 'succeeded') toast.success('Embedding map computed');
    else toast.error('Computing the embedding map failed', { description: job.data.error || undefined });
    setStartedJob(null);
    void queryClient.invalidateQueries({ queryKey: embeddingMapKey });
  }, [jobId, job.data, queryClient]);

  const start = () =>
    compute.mutate(undefined, {
      onSuccess: (ref) => setStartedJob(ref.job_id),
      onError: (error) => toast.error('Could not start computing the map', { description: error.message }),
    });

  const data = map.data;
  const computing = Boolean(jobId) || compute.isPending || data?.status === 'computing';
  const hasPoints = (data?.image_ids.length ?? 0) > 0;

  let body;
  if (libraryEmpty && !hasPoints)
    body = (
      <EmptyState
        icon={ImagesIcon}
        title="No images yet"
        action={
          <Button variant="outline" asChild>
            <Link to="/images">Open the library</Link>
          </Button>
        }
      >
        The map places every image by how the model sees it. Load the sample images or upload your own in the
        library first.
      </EmptyState>
    );
  else if (map.isPending) body = <Skeleton className="h-[360px] w-full rounded-lg" />;
  else if (map.isError)
    body = (
      <ProblemAlert
        error={map.error}
        action={
          <Button variant="outline" size="sm" className="mt-2" onClick={() => void map.refetch()}>
            Try again
          </Button>
        }
      />
    );
  else if (!hasPoints)
    body = (
      <EmptyState
        icon={MapIcon}
        title={
          computing ? 'Computing the map…' : data?.status === 'ready' ? 'The map is empty' : 'No map yet'
        }
        action={
          computing ? (
            <MapProgress job={job.data} className="w-72" />
          ) : (
            <Button onClick={start}>
              <SparklesIcon /> Compute map
            </Button>
          )
        }
      >
        {data?.status === 'ready'
          ? 'It was computed before any image was indexed. Compute it again to place the images there now.'
          : 'A 2-D projection of the embeddings (UMAP): look-alikes end up side by side, odd ones out alone. It is computed once as a job and kept until you recompute it.'}
      </EmptyState>
    );
  else body = <MapBody map={data!} colorBy={colorBy} onOpenImage={onOpenImage} />;

  return (
    <Card className="gap-4" data-testid="embedding-map">
      <CardHeader className="flex flex-wrap items-start justify-between gap-3">
        <div className="grid gap-1.5">
          <CardTitle className="flex items-center gap-2">
            <MapIcon className="size-4" /> Embedding map
            {data && <MapStatus status={data.status} computing={computing} />}
          </CardTitle>
          <CardDescription>
            Every image placed by how the model sees it: look-alikes sit together. Wheel or pinch to zoom,
            drag to pan, hover for a thumbnail, click to open.
          </CardDescription>
          {data && hasPoints && <MapFacts map={data} />}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {hasPoints && (
            <Tabs value={colorBy} onValueChange={(value) => setColorBy(value as ColorBy)}>
              <TabsList aria-label="Colour by">
                {colorModes.map((mode) => (
                  <TabsTrigger key={mode.value} value={mode.value}>
                    {mode.label}
                  </TabsTrigger>
                ))}
              </TabsList>
            </Tabs>
          )}
          {data && data.status !== 'none' && !libraryEmpty && (
            <Button variant="outline" size="sm" onClick={start} disabled={computing}>
              <RefreshCwIcon className={computing ? 'animate-spin' : undefined} />
              {computing ? 'Computing…' : 'Recompute'}
            </Button>
          )}
        </div>
      </CardHeader>
      <CardContent className="grid gap-3">
        {hasPoints && computing && <MapProgress job={job.data} />}
        {body}
      </CardContent>
    </Card>
  );
}

function MapStatus({ status, computing }: { status: EmbeddingMap['status']; computing: boolean }) {
  if (computing) return <Badge variant="secondary">computing</Badge>;
  if (status === 'ready')
    return (
      <Badge variant="outline" data-testid="map-status">
        ready
      </Badge>
    );
  return (
    <Badge variant="outline" data-testid="map-status">
      not computed
    </Badge>
  );
}

function MapFacts({ map }: { map: EmbeddingMap }) {
  const shown = map.image_ids.length;
  return (
    <p className="text-xs text-muted-foreground" data-testid="map-facts">
      {map.sampled ? (
        <span className="font-medium text-foreground" data-testid="map-sampled">
          Sampled: {formatCount(shown)} of {formatCount(map.total_points)} points
        </span>
      ) : (
        <span>
          {formatCount(shown)} point{shown === 1 ? '' : 's'}
        </span>
      )}
      {map.computed_at && (
        <>
          {' · '}computed at {formatDate(map.computed_at)} with model {map.model_name}
          {map.method ? ` (${map.method.toUpperCase()})` : ''}
        </>
      )}
    </p>
  );
}

function MapProgress({ job, className }: { job: Job | undefined; className?: string }) {
  const percent = job && job.total > 0 ? Math.round((job.done / job.total) * 100) : 0;
  return (
    <div className={className} role="status" data-testid="map-progress">
      <div className="mb-1 flex justify-between text-xs text-muted-foreground">
        <span>Computing the map</span>
        <span>{job?.state === 'queued' || !job ? 'queued' : `${percent}%`}</span>
      </div>
      <Progress value={percent} aria-label="Map computed" />
    </div>
  );
}

function MapBody({
  map,
  colorBy,
  onOpenImage,
}: {
  map: EmbeddingMap;
  colorBy: ColorBy;
  onOpenImage: (imageId: string) => void;
}) {
  const points = useMemo<MapPoints>(() => {
    const xs = Float32Array.from(map.x);
    const ys = Float32Array.from(map.y);
    return { xs, ys, grid: buildGrid(xs, ys) };
  }, [map.x, map.y]);
  const coloring = useMemo(() => colorPoints(map, colorBy), [map, colorBy]);
  const buckets = useMemo(() => bucketByColor(coloring), [coloring]);
  const n = points.xs.length;

  return (
    <div className="grid gap-4 lg:grid-cols-[1fr_15rem]">
      <MapCanvas
        points={points}
        palette={coloring.palette}
        buckets={buckets}
        label={`Embedding map of ${formatCount(n)} images, coloured by ${colorModes.find((m) => m.value === colorBy)!.label.toLowerCase()}`}
        onOpen={(index) => onOpenImage(map.image_ids[index]!)}
        tooltip={(index) => <PointTooltip map={map} index={index} />}
      />
      <Legend items={coloring.legend} />
    </div>
  );
}

function Legend({ items }: { items: LegendItem[] }) {
  return (
    <ul className="grid min-w-0 content-start gap-2 text-sm" aria-label="Legend" data-testid="map-legend">
      {items.map((item) => (
        <li key={item.label} className="grid min-w-0 gap-1">
          <div className="flex items-start gap-2">
            {item.kind === 'swatch' && (
              <span
                className="mt-1 size-3 shrink-0 rounded-full"
                style={{ background: item.color }}
                aria-hidden
              />
            )}
            {item.kind === 'swatches' && (
              <span className="mt-1 flex shrink-0" aria-hidden>
                {item.colors.slice(0, 5).map((color) => (
                  <span
                    key={color}
                    className="-mr-1 size-3 rounded-full ring-1 ring-background"
                    style={{ background: color }}
                  />
                ))}
              </span>
            )}
            <span className="min-w-0 flex-1 break-words">{item.label}</span>
            <span className="mt-0.5 text-xs text-muted-foreground tabular-nums">
              {formatCount(item.count)}
            </span>
          </div>
          {item.kind === 'ramp' && (
            <div className="grid gap-0.5">
              <span
                className="h-2.5 rounded-sm"
                style={{ background: `linear-gradient(to right, ${item.colors.join(', ')})` }}
                aria-hidden
              />
              <span className="flex justify-between text-xs text-muted-foreground tabular-nums">
                <span>{formatScore(item.min, 2)} usual</span>
                <span>odd {formatScore(item.max, 2)}</span>
              </span>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The hovered point: its thumbnail (fetched once the pointer rests, then cached) and what colours it. */
function PointTooltip({ map, index }: { map: EmbeddingMap; index: number }) {
  const imageId = map.image_ids[index]!;
  const settled = useDebouncedValue(imageId, tooltipDelayMs);
  const group = map.group[index] ?? -1;
  const anomaly = map.anomaly[index] ?? -1;
  const tag = map.tag[index] ?? '';
  return (
    <div
      className="grid gap-1.5 rounded-lg border bg-popover p-2 text-xs text-popover-foreground shadow-lg"
      data-image-id={imageId}
    >
      {settled === imageId ? (
        <ImageThumb imageId={imageId} className="rounded-md" alt={`Thumbnail of image ${imageId}`} />
      ) : (
        <Skeleton className="aspect-square w-full rounded-md" />
      )}
      <div className="font-mono">{shortId(imageId)}</div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-2 text-muted-foreground">
        <dt>Group</dt>
        <dd className="text-foreground">{group >= 0 ? `${map.group_kinds[group] ?? ''} group` : 'none'}</dd>
        <dt>Anomaly</dt>
        <dd className="text-foreground">{anomaly >= 0 ? formatScore(anomaly, 2) : 'not scored'}</dd>
        <dt>Tag</dt>
        <dd className="truncate text-foreground">{tag || 'none'}</dd>
      </dl>
    </div>
  );
}
