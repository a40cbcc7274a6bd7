import { PageHeader } from '@/components/page-header';
import { SearchView } from '@/features/search/components/search-view';

import { useOpenImage } from '../detail-panel';

export function SearchRoute() {
  const openImage = useOpenImage();
  return (
    <>
      <PageHeader
        title="Search"
        description="Find look-alikes by image, or describe what you want in words."
      />
      <SearchView onOpenImage={openImage} />
    </>
  );
}
