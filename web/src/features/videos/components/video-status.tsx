import { Badge } from '@/components/ui/badge';
import type { VideoRecord } from '@/api/types';

const labels: Record<VideoRecord['status'], string> = {
  stored: 'Queued',
  extracting: 'Extracting',
  indexed: 'Indexed',
  failed: 'Failed',
  deleting: 'Deleting',
};

const variants = {
  stored: 'secondary',
  extracting: 'secondary',
  indexed: 'success',
  failed: 'destructive',
  deleting: 'outline',
} as const satisfies Record<VideoRecord['status'], string>;

/** The video's state; while its frames are extracted, how many are indexed. */
export function VideoStatusBadge({
  video,
}: {
  video: Pick<VideoRecord, 'status' | 'frames_done' | 'frames_total'>;
}) {
  const progress =
    video.status === 'extracting' && video.frames_total > 0
      ? ` ${video.frames_done}/${video.frames_total}`
      : '';
  return (
    <Badge variant={variants[video.status]} data-testid="video-status">
      {labels[video.status]}
      {progress}
    </Badge>
  );
}
