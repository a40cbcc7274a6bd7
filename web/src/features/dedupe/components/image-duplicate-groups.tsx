import { ImageThumb } from '@/components/image-thumb';
import { ProblemAlert } from '@/components/problem-alert';
import { Badge } from '@/components/ui/badge';
import { Skeleton } from '@/components/ui/skeleton';
import { formatScore } from '@/lib/format';
import { cn } from '@/lib/utils';

import { useImageDedupGroups } from '../api/list-dedup-groups';

/** The duplicate groups an image belongs to, for its detail panel. */
export function ImageDuplicateGroups({
  imageId,
  onOpen,
}: {
  imageId: string;
  onOpen: (imageId: string) => void;
}) {
  const groups = useImageDedupGroups(imageId);
  if (groups.isPending) return <Skeleton className="h-24" />;
  if (groups.isError) return <ProblemAlert error={groups.error} />;
  if (groups.data.length === 0)
    return <p className="text-sm text-muted-foreground">Not in any duplicate group.</p>;
  return (
    <div className="grid gap-3">
      {groups.data.map((group) => (
        <div key={group.group_id} className="grid gap-2">
          <div className="flex items-center gap-2 text-sm">
            <Badge variant="outline">{group.kind}</Badge>
            <span className="text-muted-foreground">{group.status === 'resolved' ? 'resolved' : 'open'}</span>
          </div>
          <ul className="grid grid-cols-4 gap-2 sm:grid-cols-6">
            {group.members.map((m) => (
              <li key={m.image_id}>
                <button
                  type="button"
                  onClick={() => onOpen(m.image_id)}
                  className={cn(
                    'relative block w-full overflow-hidden rounded-md border',
                    m.image_id === imageId && 'ring-2 ring-primary',
                    m.image_id === group.suggested_keep && 'ring-2 ring-success',
                  )}
                  aria-label={`Open group member ${m.image_id}`}
                >
                  <ImageThumb imageId={m.image_id} />
                  {m.image_id !== group.suggested_keep && (
                    <span className="absolute right-1 bottom-1 rounded bg-black/65 px-1 font-mono text-[10px] text-white">
                      {m.hamming}b · {formatScore(m.cosine, 2)}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}
