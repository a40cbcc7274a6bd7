import type { LucideIcon } from 'lucide-react';
import {
  ArrowRightIcon,
  CopyIcon,
  ImagesIcon,
  LayersIcon,
  ShieldAlertIcon,
  UploadIcon,
  UserCheckIcon,
} from 'lucide-react';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

import type { Stats } from '@/api/types';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { formatAge, formatCount, formatPercent, formatScore } from '@/lib/format';

const windowWords: Record<Stats['window'], string> = {
  '24h': 'the last 24 hours',
  '7d': 'the last 7 days',
  '30d': 'the last 30 days',
};

const tiers = [
  { kind: 'exact', label: 'Exact', hint: 'the same picture, bytes or pixels' },
  { kind: 'near', label: 'Near', hint: 're-encoded, resized, lightly edited copies' },
  { kind: 'similar', label: 'Similar', hint: 'the same scene or subject, not copies' },
] as const;

function StatCard({
  title,
  icon: Icon,
  value,
  caption,
  link,
  testId,
  children,
}: {
  title: string;
  icon: LucideIcon;
  value: string;
  caption: ReactNode;
  link?: { to: string; label: string };
  testId: string;
  children?: ReactNode;
}) {
  return (
    <Card className="gap-3 py-4" data-testid={testId}>
      <CardHeader className="px-4">
        <CardTitle className="flex items-center gap-2 text-sm font-medium text-muted-foreground">
          <Icon className="size-4" /> {title}
        </CardTitle>
      </CardHeader>
      <CardContent className="grid flex-1 content-start gap-3 px-4">
        <div className="flex flex-wrap items-baseline gap-x-2">
          <span className="text-3xl font-semibold tracking-tight tabular-nums" data-testid="stat-value">
            {value}
          </span>
          <span className="text-sm text-muted-foreground">{caption}</span>
        </div>
        {children}
      </CardContent>
      {link && (
        <div className="px-4">
          <Link
            to={link.to}
            className="inline-flex items-center gap-1 text-sm font-medium text-primary underline-offset-4 hover:underline"
          >
            {link.label} <ArrowRightIcon className="size-3.5" />
          </Link>
        </div>
      )}
    </Card>
  );
}

/** Small label/value pairs under a card's main number. */
function Facts({ items }: { items: { label: string; value: string; to?: string; title?: string }[] }) {
  return (
    <dl className="grid grid-cols-[repeat(auto-fit,minmax(6.5rem,1fr))] gap-x-3 gap-y-1 text-sm">
      {items.map((item) => (
        <div key={item.label} className="flex items-baseline justify-between gap-2" title={item.title}>
          <dt className="text-muted-foreground">
            {item.to ? (
              <Link to={item.to} className="underline-offset-4 hover:text-foreground hover:underline">
                {item.label}
              </Link>
            ) : (
              item.label
            )}
          </dt>
          <dd className="font-medium tabular-nums">{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The tier with the most open groups: where a reviewer of duplicates is best sent first. */
function busiestTier(stats: Stats): (typeof tiers)[number]['kind'] {
  let best: (typeof tiers)[number]['kind'] = 'exact';
  for (const { kind } of tiers)
    if (stats.duplicates[kind].open_groups > stats.duplicates[best].open_groups) best = kind;
  return best;
}

/** The numbers of GET /api/stats, each card linking to where its work is done. */
export function StatCards({ stats }: { stats: Stats }) {
  const { library, duplicates, anomaly_queue: queue, reviews, uploads } = stats;
  const uploadsTotal = uploads.created + uploads.duplicate + uploads.rejected + uploads.failed;
  return (
    <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="stat-cards">
      <StatCard
        testId="stat-library"
        title="Library"
        icon={ImagesIcon}
        value={formatCount(library.stills)}
        caption={library.stills === 1 ? 'image' : 'images'}
        link={{ to: '/images', label: 'Open the library' }}
      >
        <Facts
          items={[
            { label: 'Videos', value: formatCount(library.videos), to: '/videos' },
            { label: 'Key frames', value: formatCount(library.frames), title: 'Frames kept from the videos' },
            { label: 'Indexed', value: formatCount(library.indexed) },
            { label: 'Processing', value: formatCount(library.processing), title: 'Stored, not indexed yet' },
            { label: 'Failed', value: formatCount(library.failed) },
          ]}
        />
      </StatCard>

      <StatCard
        testId="stat-duplicates"
        title="Duplicates"
        icon={CopyIcon}
        value={formatPercent(duplicates.rate)}
        caption={
          <>
            duplicate rate: {formatCount(duplicates.copies)} redundant{' '}
            {duplicates.copies === 1 ? 'copy' : 'copies'} of {formatCount(library.stills)} images
          </>
        }
        link={{ to: `/dedupe?kind=${busiestTier(stats)}`, label: 'Review duplicates' }}
      >
        <table className="w-full text-sm" data-testid="duplicate-tiers">
          <thead className="text-xs text-muted-foreground">
            <tr>
              <th scope="col" className="text-left font-normal">
                Tier
              </th>
              <th scope="col" className="text-right font-normal">
                Open groups
              </th>
              <th scope="col" className="text-right font-normal">
                Copies
              </th>
              <th scope="col" className="text-right font-normal">
                Resolved
              </th>
            </tr>
          </thead>
          <tbody className="tabular-nums">
            {tiers.map(({ kind, label, hint }) => (
              <tr key={kind} data-testid={`tier-${kind}`}>
                <th scope="row" className="text-left font-medium" title={hint}>
                  <Link
                    to={`/dedupe?kind=${kind}`}
                    className="text-primary underline-offset-4 hover:underline"
                  >
                    {label}
                  </Link>
                </th>
                <td className="text-right">{formatCount(duplicates[kind].open_groups)}</td>
                <td className="text-right">{formatCount(duplicates[kind].open_copies)}</td>
                <td className="text-right text-muted-foreground">
                  {formatCount(duplicates[kind].resolved_groups)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </StatCard>

      <StatCard
        testId="stat-groups"
        title="Duplicate groups"
        icon={LayersIcon}
        value={formatCount(duplicates.open_groups)}
        caption="open, to review"
        link={{ to: `/dedupe?kind=${busiestTier(stats)}`, label: 'Open the review' }}
      >
        <Facts
          items={[
            {
              label: 'Video groups',
              value: formatCount(duplicates.open_video_groups),
              to: '/dedupe?media=video',
              title: 'Open groups of videos (counted among the open groups)',
            },
            { label: 'Resolved', value: formatCount(duplicates.resolved_groups) },
          ]}
        />
      </StatCard>

      <StatCard
        testId="stat-anomalies"
        title="Anomaly review"
        icon={ShieldAlertIcon}
        value={formatCount(queue.depth)}
        caption={queue.depth === 1 ? 'image waiting' : 'images waiting'}
        link={{ to: '/anomalies', label: 'Review anomalies' }}
      >
        <Facts
          items={[
            {
              label: 'Oldest waits',
              value: queue.depth > 0 ? formatAge(queue.oldest_age_seconds) : '–',
            },
            {
              label: 'Flagged from',
              value: formatScore(queue.flag_score, 2),
              title: 'Images whose combined anomaly score reaches this wait for a review',
            },
          ]}
        />
      </StatCard>

      <StatCard
        testId="stat-reviews"
        title="Reviews"
        icon={UserCheckIcon}
        value={formatCount(reviews.last_24h)}
        caption="in the last 24 hours"
        link={{ to: '/quality/thresholds', label: 'Thresholds they suggest' }}
      >
        <Facts
          items={[
            {
              label: 'Last hour',
              value: formatCount(reviews.last_hour),
              title: 'Pair decisions and anomaly reviews',
            },
          ]}
        />
        <p className="text-xs text-muted-foreground">
          Pair decisions in the duplicate review and anomaly verdicts.
        </p>
      </StatCard>

      <StatCard
        testId="stat-uploads"
        title="Uploads"
        icon={UploadIcon}
        value={formatCount(uploadsTotal)}
        caption={`in ${windowWords[stats.window]}`}
        link={{ to: '/upload', label: 'Upload more' }}
      >
        <Facts
          items={[
            { label: 'Added', value: formatCount(uploads.created) },
            {
              label: 'Duplicate',
              value: formatCount(uploads.duplicate),
              title: 'Bytes the library held already',
            },
            {
              label: 'Rejected',
              value: formatCount(uploads.rejected),
              title: 'Refused: type, size or limits',
            },
            { label: 'Failed', value: formatCount(uploads.failed), title: 'Server-side failures' },
          ]}
        />
      </StatCard>
    </div>
  );
}
