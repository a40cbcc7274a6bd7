import { FilmIcon, PlayIcon } from 'lucide-react';
import { Link } from 'react-router';

import { useImage } from '@/api/get-image';
import { Button } from '@/components/ui/button';
import { formatDuration } from '@/lib/format';

/**
 * For an image that is a kept frame of a video: where it is in the video, with a link that plays the
 * video from there. Nothing for other images.
 */
export function VideoFrameLink({ imageId }: { imageId: string }) {
  const image = useImage(imageId);
  const frame = image.data?.video;
  if (!frame) return null;
  const at = formatDuration(frame.t_ms);
  return (
    <div
      className="flex flex-wrap items-center gap-3 rounded-lg border bg-muted/40 px-3 py-2 text-sm"
      data-testid="video-frame-link"
    >
      <FilmIcon className="size-4 text-muted-foreground" aria-hidden="true" />
      <span>Frame of a video at {at}</span>
      <Button variant="outline" size="sm" className="ml-auto" asChild>
        <Link to={`/videos/${encodeURIComponent(frame.video_id)}?t=${Math.round(frame.t_ms)}`}>
          <PlayIcon /> Play from {at}
        </Link>
      </Button>
    </div>
  );
}
