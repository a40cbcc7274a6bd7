import { CopyIcon, PlayIcon } from 'lucide-react';
import { Link } from 'react-router';

import type { VideoDuplicate } from '@/api/types';
import { EmptyState } from '@/components/empty-state';
import { ProblemAlert } from '@/components/problem-alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Skeleton } from '@/components/ui/skeleton';
import { formatDuration, formatOffset, formatPercent } from '@/lib/format';

import { useVideo } from '../api/get-video';
import { useVideoDuplicates } from '../api/get-video-duplicates';
import { VideoPoster } from './video-poster';

/** What the sign of an offset means, in words. */
export function offsetMeaning(offsetMs: number): string {
  const seconds = (Math.abs(offsetMs) / 1000).toFixed(1);
  if (seconds === '0.0') return 'The same moments play at the same times in both videos.';
  return offsetMs > 0
    ? `Each moment plays ${seconds} s later in the other video (it has extra footage at the start, e.g. an intro).`
    : `Each moment plays ${seconds} s earlier in the other video (its start is cut, e.g. a trimmed copy).`;
}

const kindTitles: Record<VideoDuplicate['kind'], string> = {
  exact: 'Exact: the same video (both matched almost whole, in step, of the same length)',
  near: 'Near: one of the two matched for at least half its length (a trimmed, extended or re-encoded copy)',
  similar: 'Similar: a shared stretch of footage',
};

const kindVariants = { exact: 'destructive', near: 'warning', similar: 'secondary' } as const;

/**
 * Videos whose frames align with this one's: the time offset between them, how much of each is
 * matched, and a link that opens the other video at the moment this one is showing.
 */
export function VideoDuplicates({
  videoId,
  indexed,
  currentMs,
}: {
  videoId: string;
  /** The video's frames are indexed: before that there is nothing to align. */
  indexed: boolean;
  currentMs: number;
}) {
  const duplicates = useVideoDuplicates(videoId, indexed);
  if (!indexed)
    return (
      <p className="text-sm text-muted-foreground">
        Near-duplicate videos are looked for once the frames of this video are indexed.
      </p>
    );
  if (duplicates.isPending) return <Skeleton className="h-24" />;
  if (duplicates.isError) return <ProblemAlert error={duplicates.error} />;
  if (duplicates.data.duplicates.length === 0)
    return (
      <EmptyState icon={CopyIcon} title="No near-duplicate videos" className="py-8">
        None of your other videos has frames that line up with this one&apos;s. Re-encoded, resized, trimmed
        or extended copies show up here once they are uploaded.
      </EmptyState>
    );
  return (
    <div className="grid gap-3">
      <p className="text-xs text-muted-foreground">
        Offset: the other video&apos;s time minus this one&apos;s for the same moment (other time = this time
        + offset). Coverage: the share of each video&apos;s duration that matched frames cover. Decide which
        to keep in the{' '}
        <Link
          className="text-primary hover:underline"
          to={`/dedupe?kind=${duplicates.data.duplicates[0]!.kind}&media=video`}
        >
          duplicate review
        </Link>
        .
      </p>
      <ul className="grid gap-3" aria-label="Near-duplicate videos">
        {duplicates.data.duplicates.map((duplicate) => (
          <DuplicateRow key={duplicate.video_id} duplicate={duplicate} currentMs={currentMs} />
        ))}
      </ul>
    </div>
  );
}

function DuplicateRow({ duplicate, currentMs }: { duplicate: VideoDuplicate; currentMs: number }) {
  const other = useVideo(duplicate.video_id);
  const href = `/videos/${encodeURIComponent(duplicate.video_id)}`;
  const sameMoment = Math.max(0, Math.round(currentMs + duplicate.offset_ms));
  return (
    <li
      className="grid grid-cols-[8rem_minmax(0,1fr)] items-start gap-3 rounded-lg border p-3"
      data-testid="video-duplicate"
    >
      <Link to={href} className="overflow-hidden rounded-md" tabIndex={-1} aria-hidden="true">
        {other.data ? <VideoPoster video={other.data} /> : <Skeleton className="aspect-video w-full" />}
      </Link>
      <div className="grid gap-1.5 text-sm">
        <div className="flex flex-wrap items-center gap-2">
          <Link className="font-mono text-xs text-primary hover:underline" to={href}>
            {duplicate.video_id}
          </Link>
          <Badge
            variant={kindVariants[duplicate.kind]}
            title={kindTitles[duplicate.kind]}
            data-testid="duplicate-kind"
          >
            {duplicate.kind}
          </Badge>
          {other.data && (
            <span className="text-xs text-muted-foreground">{formatDuration(other.data.duration_ms)}</span>
          )}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Badge variant="outline" className="font-mono" data-testid="duplicate-offset">
            offset {formatOffset(duplicate.offset_ms)}
          </Badge>
          <span className="text-xs text-muted-foreground">{offsetMeaning(duplicate.offset_ms)}</span>
        </div>
        <p className="text-xs text-muted-foreground" data-testid="duplicate-coverage">
          Matched frames cover{' '}
          <strong className="text-foreground">{formatPercent(duplicate.matched_share)}</strong> of this video
          and <strong className="text-foreground">{formatPercent(duplicate.other_matched_share)}</strong> of
          the other · <strong className="text-foreground">{duplicate.matched_frames}</strong> matched frame
          {duplicate.matched_frames === 1 ? '' : 's'}
        </p>
        <div>
          <Button variant="outline" size="sm" asChild>
            <Link to={`${href}?t=${sameMoment}`}>
              <PlayIcon /> Play the other at {formatDuration(sameMoment)}
            </Link>
          </Button>
        </div>
      </div>
    </li>
  );
}
