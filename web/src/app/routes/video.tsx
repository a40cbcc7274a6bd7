import { ArrowLeftIcon } from 'lucide-react';
import { Link, useNavigate, useParams } from 'react-router';

import { Button } from '@/components/ui/button';
import { DeleteVideo } from '@/features/videos/components/delete-video';
import { VideoView } from '@/features/videos/components/video-view';

import { useOpenImage } from '../detail-panel';

export function VideoRoute() {
  const { id = '' } = useParams();
  const openImage = useOpenImage();
  const navigate = useNavigate();
  return (
    <div className="grid gap-4">
      <div className="flex items-center gap-2">
        <Button variant="ghost" size="sm" asChild>
          <Link to="/videos">
            <ArrowLeftIcon /> Videos
          </Link>
        </Button>
        <h1 className="truncate font-mono text-sm text-muted-foreground">{id}</h1>
        <div className="ml-auto">
          <DeleteVideo videoId={id} onDeleted={() => void navigate('/videos', { replace: true })} />
        </div>
      </div>
      {/* Another video is a fresh player: nothing of the last one's position carries over. */}
      <VideoView key={id} videoId={id} onOpenImage={openImage} />
    </div>
  );
}
