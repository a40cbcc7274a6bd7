import { FilmIcon, Loader2Icon } from 'lucide-react';

import type { VideoRecord } from '@/api/types';
import { ImageThumb } from '@/components/image-thumb';
import { cn } from '@/lib/utils';

import { isVideoPending } from '../api/list-videos';

/**
 * The poster frame's thumbnail (the record names only its image id; the image record has the signed
 * thumbnail URL), or a placeholder until the first frame is extracted.
 */
export function VideoPoster({
  video,
  className,
}: {
  video: Pick<VideoRecord, 'video_id' | 'poster_image_id' | 'status'>;
  className?: string;
}) {
  if (video.poster_image_id)
    return (
      <ImageThumb
        imageId={video.poster_image_id}
        alt={`Poster of video ${video.video_id}`}
        className={cn('aspect-video', className)}
      />
    );
  const pending = isVideoPending(video);
  return (
    <div
      className={cn(
        'flex aspect-video w-full flex-col items-center justify-center gap-1 bg-muted text-xs text-muted-foreground',
        className,
      )}
      data-testid="video-poster-placeholder"
    >
      {pending ? <Loader2Icon className="size-6 animate-spin" /> : <FilmIcon className="size-6" />}
      {pending ? 'Extracting frames…' : 'No frames'}
    </div>
  );
}
