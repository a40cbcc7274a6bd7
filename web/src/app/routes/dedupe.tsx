import { PageHeader } from '@/components/page-header';
import { DedupeView } from '@/features/dedupe/components/dedupe-view';

import { useOpenImage } from '../detail-panel';

export function DedupeRoute() {
  const openImage = useOpenImage();
  return (
    <>
      <PageHeader
        title="Duplicates"
        description="Decide which copy to keep. Decisions are remembered by later scans."
      />
      <DedupeView onOpenImage={openImage} />
    </>
  );
}
