import type { StatsWindow } from '@/api/types';
import { ProblemAlert } from '@/components/problem-alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { formatDate } from '@/lib/format';

import { useStats } from '../api/get-stats';
import { EmbeddingMapPanel } from './embedding-map';
import { StatCards } from './stat-cards';
import { TimeSeriesChart } from './time-series-chart';

const charts = [
  {
    key: 'uploads',
    title: 'Uploads',
    description: 'Images and videos stored per bucket.',
    unit: 'uploads',
    variant: 'bar',
  },
  {
    key: 'duplicate_groups',
    title: 'Duplicates found',
    description: 'Duplicate groups (images and videos) found per bucket.',
    unit: 'groups',
    variant: 'bar',
  },
  {
    key: 'reviews',
    title: 'Reviews',
    description: 'Pair decisions and anomaly verdicts per bucket.',
    unit: 'reviews',
    variant: 'bar',
  },
  {
    key: 'backlog',
    title: 'Review backlog',
    description: 'Open duplicate groups at the end of each bucket.',
    unit: 'open groups',
    variant: 'line',
  },
] as const;

/** The library at a glance (GET /api/stats) and its embedding map. */
export function OverviewView({
  statsWindow,
  onOpenImage,
}: {
  statsWindow: StatsWindow;
  onOpenImage: (imageId: string) => void;
}) {
  const stats = useStats(statsWindow);

  if (stats.isPending)
    return (
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" aria-busy="true">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-44 rounded-xl" />
        ))}
      </div>
    );
  if (stats.isError)
    return (
      <ProblemAlert
        error={stats.error}
        action={
          <Button variant="outline" size="sm" className="mt-2" onClick={() => void stats.refetch()}>
            Try again
          </Button>
        }
      />
    );

  const data = stats.data;
  const libraryEmpty = data.library.stills + data.library.frames + data.library.videos === 0;
  return (
    <div className="grid gap-6" aria-busy={stats.isPlaceholderData}>
      <StatCards stats={data} />
      <Card className="gap-4" data-testid="overview-charts">
        <CardContent className="grid gap-6 md:grid-cols-2 xl:grid-cols-4">
          {charts.map((chart) => (
            <TimeSeriesChart
              key={chart.key}
              title={chart.title}
              description={chart.description}
              unit={chart.unit}
              variant={chart.variant}
              bucket={data.bucket}
              points={data.series.map((point) => ({ t: point.t, value: point[chart.key] }))}
            />
          ))}
        </CardContent>
      </Card>
      <p className="-mt-3 text-xs text-muted-foreground">
        Counted at {formatDate(data.generated_at)}, {data.bucket === 'hour' ? 'hourly' : 'daily'} buckets; the
        numbers refresh every 30 s.
      </p>
      <EmbeddingMapPanel libraryEmpty={libraryEmpty} onOpenImage={onOpenImage} />
    </div>
  );
}
