import { ImageOffIcon } from 'lucide-react';
import { useState } from 'react';

import { useImage } from '@/api/get-image';
import { Skeleton } from '@/components/ui/skeleton';
import { cn } from '@/lib/utils';

/**
 * A lazily loaded square thumbnail. Given only an id (dedup group members carry no URLs) it asks the
 * API for the image record, which the query cache then shares with the detail panel.
 */
export function ImageThumb({
  imageId,
  src,
  alt,
  className,
}: {
  imageId: string;
  src?: string | undefined;
  alt?: string;
  className?: string;
}) {
  const record = useImage(src ? undefined : imageId);
  const url = src ?? record.data?.thumbnail_url ?? record.data?.preview_url;
  const [failed, setFailed] = useState(false);

  if (!url && record.isPending && !src) return <Skeleton className={cn('aspect-square w-full', className)} />;
  if (!url || failed) {
    return (
      <div
        className={cn(
          'flex aspect-square w-full items-center justify-center bg-muted text-muted-foreground',
          className,
        )}
        title={record.isError ? 'The image could not be loaded' : undefined}
      >
        <ImageOffIcon className="size-6" />
      </div>
    );
  }
  return (
    <img
      src={url}
      alt={alt ?? `Image ${imageId}`}
      loading="lazy"
      decoding="async"
      draggable={false}
      onError={() => setFailed(true)}
      className={cn('aspect-square w-full bg-muted object-cover', className)}
    />
  );
}
