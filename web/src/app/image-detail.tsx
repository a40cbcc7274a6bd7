import { useImage } from '@/api/get-image';
import { FeedbackButtons } from '@/components/feedback-buttons';
import { Separator } from '@/components/ui/separator';
import { ImageDuplicateGroups } from '@/features/dedupe/components/image-duplicate-groups';
import { FeedbackHistory } from '@/features/feedback/components/feedback-history';
import { ImageOverview } from '@/features/images/components/image-overview';
import { SimilarImages } from '@/features/search/components/similar-images';
import { VideoFrameLink } from '@/features/videos/components/video-frame-link';

/** Composes the detail of one image from the features that know each part. */
export function ImageDetail({ imageId, onOpen }: { imageId: string; onOpen: (imageId: string) => void }) {
  // When the image itself cannot be read (deleted, another tenant's), its neighbours say nothing useful.
  // The overview stays mounted either way: remounting it would refetch the failed query in a loop.
  const image = useImage(imageId);
  return (
    <div className="grid gap-5" data-testid="image-detail">
      <VideoFrameLink imageId={imageId} />
      <ImageOverview imageId={imageId} />
      {!image.isError && (
        <>
          <Separator />
          <section className="grid gap-2" aria-label="Feedback">
            <h3 className="text-sm font-semibold">Feedback</h3>
            <FeedbackButtons imageId={imageId} />
            <FeedbackHistory imageId={imageId} />
          </section>
          <Separator />
          <section className="grid gap-2">
            <h3 className="text-sm font-semibold">Similar images</h3>
            <SimilarImages imageId={imageId} onOpen={onOpen} />
          </section>
          <Separator />
          <section className="grid gap-2">
            <h3 className="text-sm font-semibold">Duplicate group</h3>
            <ImageDuplicateGroups imageId={imageId} onOpen={onOpen} />
          </section>
        </>
      )}
    </div>
  );
}
