import { PageHeader } from '@/components/page-header';
import { UploadPanel } from '@/features/upload/components/upload-panel';

export function UploadRoute() {
  return (
    <>
      <PageHeader
        title="Upload"
        description="Add images and videos to your library. Duplicates are spotted as they arrive; videos are cut into key frames."
      />
      <UploadPanel />
    </>
  );
}
