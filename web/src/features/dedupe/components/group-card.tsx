import { CheckIcon, CopyXIcon, FilmIcon, GitCompareIcon, SplitIcon, StarIcon } from 'lucide-react';

import type { DuplicateGroup, GroupMember } from '@/api/types';
import { ImageThumb } from '@/components/image-thumb';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader } from '@/components/ui/card';
import { Checkbox } from '@/components/ui/checkbox';
import { formatScore, shortId } from '@/lib/format';
import { cn } from '@/lib/utils';

import { memberId, memberNoun } from './group-members';
import { VideoMemberTile } from './video-member-tile';

export type GroupAction = 'keep-selected' | 'mark-duplicates' | 'not-duplicate';

/**
 * One open group: its members with the suggested keep highlighted, and the review actions. Members of an
 * image group are images (selected and resolved by image id); those of a video group are videos, shown
 * by their posters with their offsets to the keep (selected and resolved by video id).
 */
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
  /** Takes the member's id: an image id, or a video id in a video group. */
  onToggleMember: (id: string) => void;
  groupSelected: boolean;
  onToggleGroup: () => void;
  onAction: (action: GroupAction) => void;
  onCompare: (a: string, b: string) => void;
  onOpenImage: (imageId: string) => void;
  active: boolean;
  busy: boolean;
}) {
  const keep = group.suggested_keep;
  const isVideo = group.media === 'video';
  const noun = memberNoun(group, 2);
  const selected = group.members.filter((m) => selectedMembers.has(memberId(group, m)));
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
      data-media={group.media}
      aria-label={`${group.kind} duplicate group of ${group.members.length} ${memberNoun(group, group.members.length)}`}
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
        <span className="flex items-center gap-1 text-sm text-muted-foreground">
          {isVideo && <FilmIcon className="size-4" aria-hidden="true" />}
          {group.members.length} {memberNoun(group, group.members.length)}
        </span>
        <div className="ml-auto flex flex-wrap gap-1.5">
          <Button
            size="sm"
            variant="default"
            disabled={busy}
            onClick={() => onAction('keep-selected')}
            title={`Keep the selected ${noun} (or the suggested one) and mark the rest as duplicates`}
          >
            <CheckIcon /> Keep {selected.length ? `selected (${selected.length})` : 'suggested'}
          </Button>
          <Button
            size="sm"
            variant="outline"
            disabled={busy || selected.length === 0}
            onClick={() => onAction('mark-duplicates')}
            title={`Mark the selected ${noun} as duplicates and keep the rest`}
          >
            <CopyXIcon /> Mark duplicates
          </Button>
          <Button size="sm" variant="outline" disabled={busy} onClick={() => onAction('not-duplicate')}>
            <SplitIcon /> Not a duplicate
          </Button>
          {!isVideo && (
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
          )}
        </div>
      </CardHeader>
      <CardContent className="px-4">
        <ul
          className={cn(
            'grid gap-3',
            isVideo
              ? 'grid-cols-[repeat(auto-fill,minmax(13rem,1fr))]'
              : 'grid-cols-[repeat(auto-fill,minmax(8.5rem,1fr))]',
          )}
        >
          {group.members.map((member) => {
            const id = memberId(group, member);
            return member.video && isVideo ? (
              <VideoMemberTile
                key={id}
                member={member}
                video={member.video}
                isKeep={id === keep}
                keepId={keep}
                selected={selectedMembers.has(id)}
                onToggle={() => onToggleMember(id)}
              />
            ) : (
              <ImageMemberTile
                key={id}
                member={member}
                isKeep={id === keep}
                selected={selectedMembers.has(id)}
                onToggle={() => onToggleMember(id)}
                onOpen={() => onOpenImage(member.image_id)}
                onCompare={() => onCompare(keep, member.image_id)}
              />
            );
          })}
        </ul>
      </CardContent>
    </Card>
  );
}

function ImageMemberTile({
  member,
  isKeep,
  selected,
  onToggle,
  onOpen,
  onCompare,
}: {
  member: GroupMember;
  isKeep: boolean;
  selected: boolean;
  onToggle: () => void;
  onOpen: () => void;
  onCompare: () => void;
}) {
  return (
    <li
      className={cn(
        'relative overflow-hidden rounded-lg border bg-card',
        isKeep && 'ring-2 ring-success',
        selected && 'ring-2 ring-primary',
      )}
      data-testid="group-member"
      data-keep={isKeep || undefined}
    >
      <button
        type="button"
        className="block w-full"
        onClick={onOpen}
        aria-label={`Open image ${member.image_id}`}
      >
        <ImageThumb imageId={member.image_id} />
      </button>
      <div className="absolute top-1.5 left-1.5 rounded bg-background/90 p-0.5">
        <Checkbox
          checked={selected}
          onCheckedChange={onToggle}
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
          <span className="text-muted-foreground">quality {formatScore(member.quality_score, 2)}</span>
        ) : (
          <button
            type="button"
            className="text-left text-muted-foreground hover:text-foreground hover:underline"
            onClick={onCompare}
            title="Compare with the suggested keep"
          >
            Δ {member.hamming} bits · cos {formatScore(member.cosine)}
          </button>
        )}
      </div>
    </li>
  );
}
