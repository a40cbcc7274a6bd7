import { FilmIcon, UploadIcon } from 'lucide-react';
import { Link } from 'react-router';

import type { VideoRecord } from '@/api/types';
import { EmptyState } from '@/components/empty-state';
import { ProblemAlert } from '@/components/problem-alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { formatDate, formatDuration } from '@/lib/format';

import { isVideoPending, useVideos } from '../api/list-videos';
import { VideoPoster } from './video-poster';
import { VideoStatusBadge } from './video-status';

/** The caller's videos, newest first, a page at a time. */
export function VideoList() {
  const videos = useVideos();

  if (videos.isPending)
    return (
      <div className="grid grid-cols-[repeat(auto-fill,minmax(16rem,1fr))] gap-4" aria-busy="true">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="aspect-video w-full rounded-xl" />
        ))}
      </div>
    );
  if (videos.isError)
    return (
      <ProblemAlert
        error={videos.error}
        action={
          <Button variant="outline" size="sm" className="mt-2" onClick={() => void videos.refetch()}>
            Try again
          </Button>
        }
      />
    );

  const all = videos.data.pages.flatMap((page) => page.videos);
  if (all.length === 0)
    return (
      <EmptyState
        icon={FilmIcon}
        title="No videos yet"
        action={
          <Button asChild>
            <Link to="/upload">
              <UploadIcon /> Upload a video
            </Link>
          </Button>
        }
      >
        Upload an MP4, MOV, WebM or MKV file. Its key frames are extracted and indexed like images, so you can
        search them, play the video from any of them and find its near-duplicate copies.
      </EmptyState>
    );

  return (
    <div className="grid gap-4">
      <ul className="grid grid-cols-[repeat(auto-fill,minmax(16rem,1fr))] gap-4" aria-label="Videos">
        {all.map((video) => (
          <VideoCard key={video.video_id} video={video} />
        ))}
      </ul>
      {videos.hasNextPage && (
        <Button
          variant="outline"
          className="justify-self-center"
          onClick={() => void videos.fetchNextPage()}
          disabled={videos.isFetchingNextPage}
        >
          {videos.isFetchingNextPage ? 'Loading…' : 'Load more videos'}
        </Button>
      )}
    </div>
  );
}

function VideoCard({ video }: { video: VideoRecord }) {
  const shots = video.shots.length;
  return (
    <li data-testid="video-card">
      <Card className="gap-0 overflow-hidden py-0 transition-shadow focus-within:ring-[3px] focus-within:ring-ring hover:shadow-md">
        <Link
          to={`/videos/${encodeURIComponent(video.video_id)}`}
          className="grid grid-cols-[minmax(0,1fr)] outline-none"
          aria-label={`Open video ${video.video_id}`}
        >
          <div className="relative">
            <VideoPoster video={video} />
            <span
              className="absolute right-1.5 bottom-1.5 rounded bg-black/70 px-1.5 py-0.5 font-mono text-xs text-white"
              data-testid="video-duration"
            >
              {formatDuration(video.duration_ms)}
            </span>
          </div>
          <div className="grid gap-1 px-3 py-2.5">
            <div className="flex min-w-0 items-center justify-between gap-2">
              <span className="min-w-0 truncate font-mono text-xs" title={video.video_id}>
                {video.video_id}
              </span>
              <VideoStatusBadge video={video} />
            </div>
            <div className="flex flex-wrap gap-x-2 text-xs text-muted-foreground">
              <span data-testid="video-shots">
                {isVideoPending(video) && shots === 0
                  ? 'Shots pending'
                  : `${shots} shot${shots === 1 ? '' : 's'}`}
              </span>
              <span>·</span>
              <span>
                {video.width}×{video.height}
              </span>
            </div>
            <div className="text-xs text-muted-foreground">{formatDate(video.created_at)}</div>
          </div>
        </Link>
      </Card>
    </li>
  );
}
