import {
  AlertCircleIcon,
  CheckCircle2Icon,
  CopyIcon,
  FilmIcon,
  Loader2Icon,
  RotateCwIcon,
} from 'lucide-react';
import { Link } from 'react-router';

import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Progress } from '@/components/ui/progress';
import { formatBytes, shortId } from '@/lib/format';

import { isActive, type UploadItem } from './use-upload-queue';

const statusLabel: Record<UploadItem['status'], string> = {
  queued: 'Queued',
  presigning: 'Preparing',
  uploading: 'Uploading',
  ingesting: 'Analysing',
  extracting: 'Extracting frames',
  created: 'Added',
  duplicate: 'Duplicate',
  failed: 'Failed',
};

export function UploadRow({ item, onRetry }: { item: UploadItem; onRetry: () => void }) {
  const percent = item.file.size > 0 ? Math.round((item.loaded / item.file.size) * 100) : 100;
  const near = item.result?.near_duplicates ?? [];
  const isVideo = item.kind === 'video';
  return (
    <li
      className="grid gap-2 px-4 py-3"
      data-testid="upload-row"
      data-status={item.status}
      data-kind={item.kind}
    >
      <div className="flex items-center gap-3">
        <StatusIcon item={item} />
        <div className="min-w-0 flex-1">
          <div className="truncate text-sm font-medium" title={item.name}>
            {item.name}
          </div>
          <div className="flex items-center gap-1 text-xs text-muted-foreground">
            {isVideo && (
              <>
                <FilmIcon className="size-3" aria-hidden="true" /> Video ·{' '}
              </>
            )}
            {formatBytes(item.file.size)}
            {item.tags.length > 0 && <> · {item.tags.join(', ')}</>}
          </div>
        </div>
        <Badge
          variant={
            item.status === 'failed'
              ? 'destructive'
              : item.status === 'duplicate'
                ? 'warning'
                : item.status === 'created'
                  ? 'success'
                  : 'secondary'
          }
        >
          {item.status === 'ingesting' && isVideo ? 'Checking' : statusLabel[item.status]}
        </Badge>
        {item.status === 'failed' && !item.final && (
          <Button variant="ghost" size="sm" onClick={onRetry} aria-label={`Retry ${item.name}`}>
            <RotateCwIcon /> Retry
          </Button>
        )}
      </div>
      {item.status === 'extracting' ? (
        <ExtractionProgress item={item} />
      ) : (
        (isActive(item.status) || item.status === 'queued') && (
          <Progress
            value={item.status === 'queued' ? 0 : percent}
            aria-label={`Upload progress of ${item.name}`}
          />
        )
      )}
      {isVideo && item.video && (item.status === 'created' || item.status === 'duplicate') && (
        <VideoOutcome item={item} videoId={item.video.video_id} />
      )}
      {item.status === 'created' && item.result && (
        <p className="text-xs text-muted-foreground">
          Added as{' '}
          <Link className="font-mono text-primary hover:underline" to={`/images/${item.result.image_id}`}>
            {shortId(item.result.image_id)}
          </Link>
          {near.length > 0 && (
            <>
              {' '}
              · looks like{' '}
              {near.slice(0, 3).map((n, i) => (
                <span key={n.image_id}>
                  {i > 0 && ', '}
                  <Link className="font-mono text-primary hover:underline" to={`/images/${n.image_id}`}>
                    {shortId(n.image_id)}
                  </Link>{' '}
                  ({n.kind})
                </span>
              ))}
            </>
          )}
          {item.result.duplicate_check === 'unavailable' && (
            <> · look-alike check unavailable (the duplicate review will still find copies)</>
          )}
        </p>
      )}
      {item.status === 'duplicate' && item.result && (
        <p className="text-xs">
          <CopyIcon className="mr-1 inline size-3" />
          Duplicate of{' '}
          <Link
            className="font-mono text-primary hover:underline"
            to={`/images/${item.result.duplicate_of ?? item.result.image_id}`}
          >
            {item.result.duplicate_of ?? item.result.image_id}
          </Link>
          : the same bytes are already in your library, so nothing new was stored.
        </p>
      )}
      {item.status === 'failed' && item.error && (
        <p className="text-xs text-destructive" role="alert">
          {item.error.problem.title}
          {item.error.problem.detail && <>: {item.error.problem.detail}</>}
          {item.error.problem.requestId && (
            <span className="ml-1 font-mono opacity-70">(request {item.error.problem.requestId})</span>
          )}
        </p>
      )}
    </li>
  );
}

/** Frames extracted so far, from the job's progress (its total is known once the key frames are found). */
function ExtractionProgress({ item }: { item: UploadItem }) {
  const { done = 0, total = 0 } = item.job ?? {};
  return (
    <div className="grid gap-1">
      <Progress
        value={total > 0 ? Math.round((done / total) * 100) : 0}
        aria-label={`Frame extraction of ${item.name}`}
        indicatorClassName="bg-success"
      />
      <p className="text-xs text-muted-foreground" data-testid="extraction-progress">
        {total > 0 ? `Extracting frames: ${done} of ${total} indexed` : 'Uploaded. Finding the key frames…'}
      </p>
    </div>
  );
}

function VideoOutcome({ item, videoId }: { item: UploadItem; videoId: string }) {
  const frames = item.job?.total;
  const link = (
    <Link className="font-mono text-primary hover:underline" to={`/videos/${encodeURIComponent(videoId)}`}>
      {shortId(videoId)}
    </Link>
  );
  if (item.status === 'duplicate')
    return (
      <p className="text-xs">
        <CopyIcon className="mr-1 inline size-3" />
        Duplicate of video {link}: the same bytes are already in your library, so nothing new was stored.
      </p>
    );
  return (
    <p className="text-xs text-muted-foreground">
      Added as video {link}
      {typeof frames === 'number' && (
        <>
          {' '}
          · {frames} key frame{frames === 1 ? '' : 's'} indexed
        </>
      )}
    </p>
  );
}

function StatusIcon({ item }: { item: UploadItem }) {
  if (item.status === 'created') return <CheckCircle2Icon className="size-5 text-success" />;
  if (item.status === 'duplicate') return <CopyIcon className="size-5 text-warning" />;
  if (item.status === 'failed') return <AlertCircleIcon className="size-5 text-destructive" />;
  return (
    <Loader2Icon
      className={isActive(item.status) ? 'size-5 animate-spin text-primary' : 'size-5 text-muted-foreground'}
    />
  );
}
