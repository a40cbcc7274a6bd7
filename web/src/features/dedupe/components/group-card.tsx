import { CheckIcon, CopyXIcon, GitCompareIcon, SplitIcon, StarIcon } from 'lucide-react';

import type { DuplicateGroup } from '@/api/types';
import { ImageThumb } from '@/components/image-thumb';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { formatScore, shortId } from '@/lib/format';
import { cn } from '@/lib/utils';

export type GroupAction = 'keep-selected' | 'mark-duplicates' | 'not-duplicate';

export function GroupCard({
  group,
  selectedMembers,
  onToggleMember,
  groupSelected,
  onToggleGroup,
  onAction,
  onCompare,
  onOpenImage,
  active,
  busy,
}: {
  group: DuplicateGroup;
  selectedMembers: Set<string>;
  onToggleMember: (imageId: string) => void;
  groupSelected: boolean;
  onToggleGroup: () => void;
  onAction: (action: GroupAction) => void;
  onCompare: (a: string, b: string) => void;
  onOpenImage: (imageId: string) => void;
  active: boolean;
  busy: boolean;
}) {
  const keep = group.suggested_keep;
  const selected = group.members.filter((m) => selectedMembers.has(m.image_id));
  const comparePair = (): [string, string] | null => {
    if (selected.length >= 2) return [selected[0]!.image_id, selected[1]!.image_id];
    const other = group.members.find((m) => m.image_id !== keep);
    return other ? [keep, other.image_id] : null;
  };

  return (
    <Card
      className={cn('gap-3 py-4', active && 'ring-2 ring-ring')}
      data-testid="dedup-group"
      data-group-id={group.group_id}
      tabIndex={-1}
      aria-label={`${group.kind} duplicate group of ${group.members.length} images`}
    >
      <CardHeader className="flex flex-row flex-wrap items-center gap-3 px-4">
        <Checkbox
          checked={groupSelected}
          onCheckedChange={onToggleGroup}
          aria-label={`Select group ${group.group_id}`}
        />
        <Badge
          variant={group.kind === 'exact' ? 'destructive' : group.kind === 'near' ? 'warning' : 'secondary'}
        >
          {group.kind}
        </Badge>
        <span className="text-sm text-muted-foreground">{group.members.length} images</span>
        <div className="ml-auto flex flex-wrap gap-1.5">
          <Button
            size="sm"
            variant="default"
            disabled={busy}
            onClick={() => onAction('keep-selected')}
            title="Keep the selected images (or the suggested one) and mark the rest as duplicates"
          >
            <CheckIcon /> Keep {selected.length ? `selected (${selected.length})` : 'suggested'}
          </Button>
          <Button
            size="sm"
            variant="outline"
            disabled={busy || selected.length === 0}
            onClick={() => onAction('mark-duplicates')}
            title="Mark the selected images as duplicates and keep the rest"
          >
            <CopyXIcon /> Mark duplicates
          </Button>
          <Button size="sm" variant="outline" disabled={busy} onClick={() => onAction('not-duplicate')}>
            <SplitIcon /> Not a duplicate
          </Button>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              const pair = comparePair();
              if (pair) onCompare(pair[0], pair[1]);
            }}
          >
            <GitCompareIcon /> Compare
          </Button>
        </div>
      </CardHeader>
      <CardContent className="px-4">
        <ul className="grid grid-cols-[repeat(auto-fill,minmax(8.5rem,1fr))] gap-3">
          {group.members.map((member) => {
            const isKeep = member.image_id === keep;
            const isSelected = selectedMembers.has(member.image_id);
            return (
              <li
                key={member.image_id}
                className={cn(
                  'relative overflow-hidden rounded-lg border bg-card',
                  isKeep && 'ring-2 ring-success',
                  isSelected && 'ring-2 ring-primary',
                )}
                data-testid="group-member"
                data-keep={isKeep || undefined}
              >
                <button
                  type="button"
                  className="block w-full"
                  onClick={() => onOpenImage(member.image_id)}
                  aria-label={`Open image ${member.image_id}`}
                >
                  <ImageThumb imageId={member.image_id} />
                </button>
                <div className="absolute top-1.5 left-1.5 rounded bg-background/90 p-0.5">
                  <Checkbox
                    checked={isSelected}
                    onCheckedChange={() => onToggleMember(member.image_id)}
                    aria-label={`Select image ${member.image_id}`}
                  />
                </div>
                {isKeep && (
                  <Badge variant="success" className="absolute top-1.5 right-1.5">
                    <StarIcon /> Suggested keep
                  </Badge>
                )}
                <div className="grid gap-0.5 px-2 py-1.5 text-xs">
                  <span className="truncate font-mono">{shortId(member.image_id)}</span>
                  {isKeep ? (
                    <span className="text-muted-foreground">
                      quality {formatScore(member.quality_score, 2)}
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="text-left text-muted-foreground hover:text-foreground hover:underline"
                      onClick={() => onCompare(keep, member.image_id)}
                      title="Compare with the suggested keep"
                    >
                      Δ {member.hamming} bits · cos {formatScore(member.cosine)}
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      </CardContent>
    </Card>
  );
}
