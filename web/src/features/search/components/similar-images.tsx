import { Link } from 'react-router';

import { ImageThumb } from '@/components/image-thumb';
import { ProblemAlert } from '@/components/problem-alert';
import { Skeleton } from '@/components/ui/skeleton';
import { formatScore } from '@/lib/format';

import { useSimilarImages } from '../api/search-similar';

export function SimilarImages({ imageId, onOpen }: { imageId: string; onOpen: (imageId: string) => void }) {
  const similar = useSimilarImages(imageId);
  if (similar.isPending)
    return (
      <div className="grid grid-cols-4 gap-2">
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} className="aspect-square" />
        ))}
      </div>
    );
  if (similar.isError) return <ProblemAlert error={similar.error} />;
  const hits = similar.data.hits.filter((h) => h.image_id !== imageId);
  if (hits.length === 0)
    return <p className="text-sm text-muted-foreground">No other image looks like this one yet.</p>;
  return (
    <div className="grid gap-2">
      <ul className="grid grid-cols-4 gap-2 sm:grid-cols-6" aria-label="Similar images">
        {hits.map((hit) => (
          <li key={hit.image_id}>
            <button
              type="button"
              className="relative block w-full overflow-hidden rounded-md border outline-none focus-visible:ring-[3px] focus-visible:ring-ring"
              onClick={() => onOpen(hit.image_id)}
              aria-label={`Open similar image ${hit.image_id}`}
            >
              <ImageThumb imageId={hit.image_id} src={hit.thumbnail_url || hit.preview_url} />
              <span className="absolute right-1 bottom-1 rounded bg-black/65 px-1 font-mono text-[10px] text-white">
                {formatScore(hit.score, 2)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <Link
        className="text-sm text-primary hover:underline"
        to={`/search?image_id=${encodeURIComponent(imageId)}`}
      >
        Find more like this
      </Link>
    </div>
  );
}
