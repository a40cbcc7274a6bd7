import { UploadIcon } from 'lucide-react';
import { Link } from 'react-router';

import { PageHeader } from '@/components/page-header';
import { Button } from '@/components/ui/button';
import { LibraryView } from '@/features/images/components/library-view';

import { useOpenImage } from '../detail-panel';

export function LibraryRoute() {
  const openImage = useOpenImage();
  return (
    <>
      <PageHeader
        title="Library"
        description="Your images, newest first. Open one for its details, look-alikes and duplicates."
        actions={
          <Button variant="outline" size="sm" asChild>
            <Link to="/upload">
              <UploadIcon /> Upload
            </Link>
          </Button>
        }
      />
      <LibraryView onOpenImage={openImage} />
    </>
  );
}
