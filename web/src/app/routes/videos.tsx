import { UploadIcon } from 'lucide-react';
import { Link } from 'react-router';

import { PageHeader } from '@/components/page-header';
import { Button } from '@/components/ui/button';
import { VideoList } from '@/features/videos/components/video-list';

export function VideosRoute() {
  return (
    <>
      <PageHeader
        title="Videos"
        description="Your videos, newest first. Each is cut into key frames that search and review treat as images."
        actions={
          <Button variant="outline" size="sm" asChild>
            <Link to="/upload">
              <UploadIcon /> Upload
            </Link>
          </Button>
        }
      />
      <VideoList />
    </>
  );
}
