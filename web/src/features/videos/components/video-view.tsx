import { AlertTriangleIcon, ImageIcon } from 'lucide-react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';

import type { VideoFrame, VideoRecord } from '@/api/types';
import { CopyButton } from '@/components/copy-button';
import { ProblemAlert } from '@/components/problem-alert';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Progress } from '@/components/ui/progress';
import { Skeleton } from '@/components/ui/skeleton';
import { formatBytes, formatDate, formatDuration, formatTimestamp } from '@/lib/format';

import { useVideo } from '../api/get-video';
import { isVideoPending } from '../api/list-videos';
import { Filmstrip, frameAt } from './filmstrip';
import { VideoDuplicates } from './video-duplicates';
import { VideoStatusBadge } from './video-status';

/** `?t=<ms>`: where playback starts. */
function startOf(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const ms = Number(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

const containerNames: Record<VideoRecord['container'], string> = {
  mp4: 'MP4',
  mov: 'QuickTime',
  webm: 'WebM',
  mkv: 'Matroska',
};

/**
 * One video: the player, its kept frames as a filmstrip (a click seeks the player), what the probe read,
 * and the videos that are near-duplicates of it. `?t=<ms>` starts playback at that time.
 */
export function VideoView({
  videoId,
  onOpenImage,
}: {
  videoId: string;
  onOpenImage: (imageId: string, order?: string[]) => void;
}) {
  const video = useVideo(videoId);
  const [params] = useSearchParams();
  const startMs = startOf(params.get('t'));
  const player = useRef<HTMLVideoElement>(null);
  const [currentMs, setCurrentMs] = useState(startMs ?? 0);

  // The signed URL the player started with is kept while the record is refetched (a new URL would
  // reload the player); it is replaced only when playback fails, most likely because it expired.
  const [src, setSrc] = useState<string | null>(null);
  if (src === null && video.data?.video_url) setSrc(video.data.video_url);
  const [unplayable, setUnplayable] = useState(false);
  const renewed = useRef(false);
  // A seek the player cannot take yet: it needs the video's metadata first.
  const pendingSeek = useRef<{ ms: number; play: boolean } | null>(
    startMs === null ? null : { ms: startMs, play: true },
  );

  const applyPendingSeek = useCallback(() => {
    const element = player.current;
    const pending = pendingSeek.current;
    if (!element || !pending || element.readyState < HTMLMediaElement.HAVE_METADATA) return;
    pendingSeek.current = null;
    element.currentTime = pending.ms / 1000;
    if (pending.play) {
      // Browsers may refuse to start playback by themselves; the player then waits at that time.
      void Promise.resolve()
        .then(() => element.play())
        .catch(() => undefined);
    }
  }, []);

  const seekTo = useCallback(
    (ms: number, play: boolean) => {
      pendingSeek.current = { ms, play };
      setCurrentMs(ms);
      applyPendingSeek();
    },
    [applyPendingSeek],
  );

  // A link to another moment of this video (`?t=` changed while the page is open).
  const firstStart = useRef(startMs);
  useEffect(() => {
    if (startMs === null || startMs === firstStart.current) return;
    firstStart.current = startMs;
    seekTo(startMs, true);
  }, [startMs, seekTo]);

  const seek = (frame: VideoFrame) => seekTo(frame.t_ms, false);

  const onPlayerError = () => {
    if (renewed.current) {
      setUnplayable(true);
      return;
    }
    renewed.current = true;
    pendingSeek.current = { ms: currentMs, play: false };
    void video.refetch().then((result) => {
      if (result.data?.video_url && result.data.video_url !== src) setSrc(result.data.video_url);
      else setUnplayable(true);
    });
  };

  if (video.isPending)
    return (
      <div className="grid gap-4">
        <Skeleton className="aspect-video max-h-[70vh] w-full" />
        <Skeleton className="h-28 w-full" />
      </div>
    );
  if (video.isError) return <ProblemAlert error={video.error} />;

  const record = video.data;
  const frames = record.frames;
  const current = frameAt(frames, currentMs);
  const pending = isVideoPending(record);

  return (
    <div className="grid gap-6" data-testid="video-view">
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="grid content-start gap-3">
          <video
            ref={player}
            src={src ?? undefined}
            controls
            preload="metadata"
            playsInline
            className="aspect-video max-h-[70vh] w-full rounded-lg bg-black"
            data-testid="video-player"
            aria-label={`Video ${videoId}`}
            onLoadedMetadata={() => {
              setUnplayable(false);
              applyPendingSeek();
            }}
            onTimeUpdate={(event) => {
              if (!pendingSeek.current) setCurrentMs(event.currentTarget.currentTime * 1000);
            }}
            onSeeked={(event) => {
              if (!pendingSeek.current) setCurrentMs(event.currentTarget.currentTime * 1000);
            }}
            onError={onPlayerError}
          />
          {unplayable && (
            <Alert variant="destructive">
              <AlertTriangleIcon />
              <AlertTitle>This browser cannot play the video</AlertTitle>
              <AlertDescription>
                Its {containerNames[record.container]} / {record.codec} stream did not load here. The frames
                below are indexed all the same: search, review and duplicates work on them.
              </AlertDescription>
            </Alert>
          )}
          {record.status === 'failed' && (
            <Alert variant="destructive">
              <AlertTriangleIcon />
              <AlertTitle>Frame extraction failed</AlertTitle>
              <AlertDescription>
                {record.error || 'The extraction job ended without a reason.'}
              </AlertDescription>
            </Alert>
          )}
        </div>
        <VideoFacts video={record} />
      </div>

      <section className="grid gap-3" aria-labelledby="video-frames-title">
        <div className="flex flex-wrap items-center gap-3">
          <h2 id="video-frames-title" className="text-lg font-semibold">
            Frames
          </h2>
          <span className="text-sm text-muted-foreground">
            {frames.length} key frame{frames.length === 1 ? '' : 's'} in {record.shots.length} shot
            {record.shots.length === 1 ? '' : 's'} · click a frame to play from it
          </span>
          {current && (
            <Button
              variant="outline"
              size="sm"
              className="ml-auto"
              onClick={() =>
                onOpenImage(
                  current.image_id,
                  frames.map((f) => f.image_id),
                )
              }
            >
              <ImageIcon /> Frame at {formatTimestamp(current.t_ms)}: details
            </Button>
          )}
        </div>
        {pending && (
          <div className="grid max-w-md gap-1" data-testid="video-extraction">
            <Progress
              value={record.frames_total > 0 ? (record.frames_done / record.frames_total) * 100 : 0}
              aria-label="Frame extraction"
            />
            <p className="text-xs text-muted-foreground">
              {record.frames_total > 0
                ? `Extracting frames: ${record.frames_done} of ${record.frames_total} indexed`
                : 'Finding the key frames…'}
            </p>
          </div>
        )}
        {frames.length > 0 ? (
          <Filmstrip frames={frames} shots={record.shots} currentMs={currentMs} onSeek={seek} />
        ) : (
          !pending && <p className="text-sm text-muted-foreground">No frames were kept from this video.</p>
        )}
      </section>

      <section className="grid gap-3" aria-labelledby="video-duplicates-title">
        <h2 id="video-duplicates-title" className="text-lg font-semibold">
          Near-duplicate videos
        </h2>
        <VideoDuplicates videoId={videoId} indexed={record.status === 'indexed'} currentMs={currentMs} />
      </section>
    </div>
  );
}

function VideoFacts({ video }: { video: VideoRecord }) {
  const rows: [string, string][] = [
    ['Duration', formatDuration(video.duration_ms)],
    ['Resolution', `${video.width} × ${video.height}`],
    ['Frame rate', `${Number(video.fps.toFixed(2))} fps`],
    ['Format', `${video.codec} in ${containerNames[video.container]}`],
    ['Frames', String(video.frame_count)],
    ['Audio', video.has_audio ? 'Yes' : 'No'],
    ['Size', formatBytes(video.size_bytes)],
    ['Uploaded', formatDate(video.created_at)],
  ];
  return (
    <Card className="content-start gap-3 self-start">
      <CardHeader className="flex items-center justify-between gap-2">
        <CardTitle>Video</CardTitle>
        <VideoStatusBadge video={video} />
      </CardHeader>
      <CardContent className="grid gap-3">
        <dl className="grid grid-cols-[6.5rem_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm">
          {rows.map(([label, value]) => (
            <div key={label} className="contents">
              <dt className="text-muted-foreground">{label}</dt>
              <dd className="truncate" title={value}>
                {value}
              </dd>
            </div>
          ))}
        </dl>
        {video.tags.length > 0 && (
          <div className="flex flex-wrap gap-1.5" aria-label="Tags">
            {video.tags.map((tag) => (
              <Badge key={tag} variant="secondary">
                {tag}
              </Badge>
            ))}
          </div>
        )}
        <CopyButton value={video.video_id} label="Video id" />
      </CardContent>
    </Card>
  );
}
