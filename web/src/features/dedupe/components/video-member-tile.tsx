import { PlayIcon, StarIcon } from 'lucide-react';
import { Link } from 'react-router';

import type { GroupMember } from '@/api/types';
import { ImageThumb } from '@/components/image-thumb';
import { Badge } from '@/components/ui/badge';
import { Checkbox } from '@/components/ui/checkbox';
import { formatPercent, formatSignedTimestamp, formatTimestamp, shortId } from '@/lib/format';
import { cn } from '@/lib/utils';

type VideoAlignment = NonNullable<GroupMember['video']>;

/** Where this member's timeline sits against the keep's, in words (member time = keep time + offset). */
export function alignmentInWords(offsetMs: number): string {
  const shift = formatTimestamp(Math.abs(offsetMs));
  if (Math.round(Math.abs(offsetMs) / 100) === 0) return 'in step with the keep';
  return offsetMs < 0 ? `starts ${shift} into the keep` : `keep starts at ${shift} here`;
}

function alignmentTitle(offsetMs: number): string {
  const seconds = (Math.abs(offsetMs) / 1000).toFixed(1);
  if (seconds === '0.0') return 'The same moments play at the same times as in the suggested keep.';
  return offsetMs > 0
    ? `Each moment plays ${seconds} s later in this video than in the suggested keep (extra footage at its start, e.g. an intro).`
    : `Each moment plays ${seconds} s earlier in this video than in the suggested keep (its start is cut, e.g. a trimmed copy).`;
}

/**
 * A member of a video group: the poster, how its time lines up with the suggested keep's, how much of
 * it matched, and a link that plays it from the moment the keep starts (where that moment is in it).
 */
export function VideoMemberTile({
  member,
  video,
  isKeep,
  keepId,
  selected,
  onToggle,
}: {
  member: GroupMember;
  video: VideoAlignment;
  isKeep: boolean;
  keepId: string;
  selected: boolean;
  onToggle: () => void;
}) {
  const id = video.video_id;
  // An intro-extended copy shows the keep's first moment at +offset; a trimmed one is cut before it.
  const startMs = !isKeep && video.offset_ms > 0 ? video.offset_ms : 0;
  const href = `/videos/${encodeURIComponent(id)}${startMs > 0 ? `?t=${Math.round(startMs)}` : ''}`;
  const alignedWith = video.aligned_with && video.aligned_with !== keepId ? video.aligned_with : null;
  return (
    <li
      className={cn(
        'relative overflow-hidden rounded-lg border bg-card',
        isKeep && 'ring-2 ring-success',
        selected && 'ring-2 ring-primary',
      )}
      data-testid="group-member"
      data-keep={isKeep || undefined}
      data-video-id={id}
    >
      <Link to={href} className="block" tabIndex={-1} aria-hidden="true">
        <ImageThumb imageId={member.image_id} alt={`Poster of video ${id}`} className="aspect-video" />
      </Link>
      <div className="absolute top-1.5 left-1.5 rounded bg-background/90 p-0.5">
        <Checkbox checked={selected} onCheckedChange={onToggle} aria-label={`Select video ${id}`} />
      </div>
      {isKeep && (
        <Badge variant="success" className="absolute top-1.5 right-1.5">
          <StarIcon /> Suggested keep
        </Badge>
      )}
      <div className="grid gap-1 px-2 py-1.5 text-xs">
        <div className="flex items-center gap-2">
          <span className="truncate font-mono" title={id}>
            {shortId(id)}
          </span>
          <Badge
            variant="outline"
            className="ml-auto font-mono"
            data-testid="member-offset"
            title={
              isKeep
                ? 'The other videos’ offsets are measured from this one.'
                : alignmentTitle(video.offset_ms)
            }
          >
            {isKeep ? 'keep' : formatSignedTimestamp(video.offset_ms)}
          </Badge>
        </div>
        {isKeep ? (
          <span className="text-muted-foreground">offsets are measured from it</span>
        ) : (
          <>
            <span className="text-muted-foreground">{alignmentInWords(video.offset_ms)}</span>
            <span
              className="text-muted-foreground"
              data-testid="member-share"
              title={`${formatPercent(video.matched_share)} of this video's duration matched ${
                alignedWith ? `video ${alignedWith}` : 'the suggested keep'
              }, covering ${formatPercent(video.other_matched_share)} of that one`}
            >
              <strong className="text-foreground">{formatPercent(video.matched_share)}</strong> matched ·{' '}
              {video.matched_frames} frame{video.matched_frames === 1 ? '' : 's'}
              {alignedWith && <> · via {shortId(alignedWith)}</>}
            </span>
          </>
        )}
        <Link
          to={href}
          className="flex w-fit items-center gap-1 text-primary hover:underline"
          aria-label={`Play video ${id}${startMs > 0 ? ` from ${formatTimestamp(startMs)}` : ''}`}
        >
          <PlayIcon className="size-3" aria-hidden="true" />
          {startMs > 0 ? `Play from ${formatTimestamp(startMs)}` : 'Play'}
        </Link>
      </div>
    </li>
  );
}
