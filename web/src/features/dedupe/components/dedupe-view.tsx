import { useQueryClient } from '@tanstack/react-query';
import { CopyCheckIcon, RefreshCwIcon, ScanSearchIcon, TagIcon } from 'lucide-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { toast } from 'sonner';

import { isJobFinished, useJob } from '@/api/get-job';
import type { DuplicateGroup, GroupResolveRequest } from '@/api/types';
import { updateImageTags } from '@/api/update-image';
import { EmptyState } from '@/components/empty-state';
import { Kbd } from '@/components/kbd';
import { ProblemAlert } from '@/components/problem-alert';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from '@/components/ui/alert-dialog';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Progress } from '@/components/ui/progress';
import { Skeleton } from '@/components/ui/skeleton';
import { Tabs, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { parseTags } from '@/lib/format';
import { describeProblem } from '@/lib/problem';
import { useHotkeys } from '@/lib/use-hotkeys';

import { useDedupGroups, type GroupKind, type MediaFilter } from '../api/list-dedup-groups';
import {
  removeGroupsOptimistically,
  resolveDedupGroup,
  restoreGroups,
  useResolveDedupGroup,
} from '../api/resolve-dedup-group';
import { useStartDedupScan } from '../api/start-dedup-scan';
import { GroupCard, type GroupAction } from './group-card';
import { memberIds } from './group-members';
import { PairView, type ComparedPair } from './pair-view';

const kinds: { value: GroupKind; label: string; hint: string; videoHint: string }[] = [
  {
    value: 'exact',
    label: 'Exact',
    hint: 'Byte-identical files.',
    videoHint: 'The same video: both matched almost whole, in step, of the same length.',
  },
  {
    value: 'near',
    label: 'Near',
    hint: 'Re-encodes, resizes and light edits (perceptual hash).',
    videoHint: 'One video matched for at least half its length: trimmed, extended or re-encoded copies.',
  },
  {
    value: 'similar',
    label: 'Similar',
    hint: 'The same scene or subject (embedding similarity).',
    videoHint: 'A shared stretch of footage in otherwise different videos.',
  },
];

const mediaFilters: { value: MediaFilter; label: string }[] = [
  { value: 'image', label: 'Images' },
  { value: 'video', label: 'Videos' },
  { value: 'all', label: 'All' },
];

const isKind = (value: string | null): value is GroupKind => kinds.some((k) => k.value === value);
const isMedia = (value: string | null): value is MediaFilter => mediaFilters.some((m) => m.value === value);

/** How long a bulk resolve waits for "Undo" before it is sent. */
export const undoWindowMs = 6000;

function pairs(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += 1)
    for (let j = i + 1; j < ids.length; j += 1) out.push([ids[i]!, ids[j]!]);
  return out;
}

/**
 * Two members of a group, for the pair view. Distances and evidence are each member's pair with the
 * suggested keep, so they come along only when the keep is one of the two (shown first).
 */
export function comparisonOf(group: DuplicateGroup, a: string, b: string): ComparedPair {
  const keep = group.suggested_keep;
  if (a !== keep && b !== keep) return { a, b };
  const other = a === keep ? b : a;
  const member = group.members.find((m) => m.image_id === other);
  return {
    a: keep,
    b: other,
    hamming: member?.hamming,
    cosine: member?.cosine,
    evidence: member?.evidence,
  };
}

export function decisionFor(
  group: DuplicateGroup,
  action: GroupAction,
  selected: Set<string>,
): GroupResolveRequest {
  const members = memberIds(group);
  const chosen = members.filter((id) => selected.has(id));
  if (action === 'keep-selected') {
    const keep = chosen.length ? chosen : [group.suggested_keep];
    return { keep, duplicates: members.filter((id) => !keep.includes(id)), not_duplicate: [] };
  }
  if (action === 'mark-duplicates') {
    return { keep: members.filter((id) => !chosen.includes(id)), duplicates: chosen, not_duplicate: [] };
  }
  if (chosen.length >= 2) return { keep: [], duplicates: [], not_duplicate: pairs(chosen) };
  if (chosen.length === 1)
    return { keep: [], duplicates: [], not_duplicate: [[group.suggested_keep, chosen[0]!]] };
  return { keep: [], duplicates: [], not_duplicate: pairs(members) };
}

const actionToast: Record<GroupAction, string> = {
  'keep-selected': 'Group resolved',
  'mark-duplicates': 'Duplicates marked',
  'not-duplicate': 'Marked as not duplicates',
};

export function DedupeView({
  onOpenImage,
  undoMs = undoWindowMs,
}: {
  onOpenImage: (imageId: string, order: string[]) => void;
  undoMs?: number;
}) {
  // The tier and the media are in the address (`?kind=near&media=video`), so a view can be linked to.
  const [params, setParams] = useSearchParams();
  const kindParam = params.get('kind');
  const mediaParam = params.get('media');
  const kind: GroupKind = isKind(kindParam) ? kindParam : 'exact';
  const media: MediaFilter = isMedia(mediaParam) ? mediaParam : 'all';
  const setFilter = (name: 'kind' | 'media', value: string, fallback: string) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value === fallback) next.delete(name);
        else next.set(name, value);
        return next;
      },
      { replace: true },
    );
  const setKind = (value: GroupKind) => setFilter('kind', value, 'exact');
  const setMedia = (value: MediaFilter) => setFilter('media', value, 'all');
  const groupsQuery = useDedupGroups(kind, media);
  const groups = useMemo(() => groupsQuery.data?.pages.flatMap((p) => p.groups) ?? [], [groupsQuery.data]);
  const [selectedMembers, setSelectedMembers] = useState<Set<string>>(new Set());
  const [selectedGroups, setSelectedGroups] = useState<Set<string>>(new Set());
  const [active, setActive] = useState(0);
  const [compare, setCompare] = useState<ComparedPair | null>(null);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [bulkTags, setBulkTags] = useState('');
  const resolve = useResolveDedupGroup();
  const queryClient = useQueryClient();
  const scan = useStartDedupScan();
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJob(jobId);
  const pendingCommits = useRef(new Set<ReturnType<typeof setTimeout>>());

  useEffect(() => {
    if (!isJobFinished(job.data)) return;
    if (job.data?.state === 'succeeded') toast.success('Duplicate scan finished');
    else toast.error('Duplicate scan failed', { description: job.data?.error });
    setJobId(null);
    void queryClient.invalidateQueries({ queryKey: ['dedup'] });
  }, [job.data, queryClient]);

  useEffect(() => {
    setSelectedGroups(new Set());
    setSelectedMembers(new Set());
    setActive(0);
  }, [kind, media]);

  const toggle = (set: Set<string>, id: string) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };

  const act = (group: DuplicateGroup, action: GroupAction) => {
    const decision = decisionFor(group, action, selectedMembers);
    resolve.mutate(
      { groupId: group.group_id, decision },
      {
        onSuccess: () => toast.success(actionToast[action]),
        onError: (error) => toast.error(`Could not resolve the group`, describeProblem(error)),
      },
    );
  };

  const bulkResolve = useCallback(async () => {
    const targets = groups.filter((g) => selectedGroups.has(g.group_id));
    if (targets.length === 0) return;
    const snapshot = await removeGroupsOptimistically(
      queryClient,
      targets.map((g) => g.group_id),
    );
    setSelectedGroups(new Set());
    let undone = false;
    const timer = setTimeout(() => {
      pendingCommits.current.delete(timer);
      if (undone) return;
      void Promise.allSettled(
        targets.map((g) => resolveDedupGroup(g.group_id, decisionFor(g, 'keep-selected', new Set()))),
      ).then((results) => {
        const failed = results.filter((r) => r.status === 'rejected');
        if (failed.length) {
          toast.error(
            `${failed.length} of ${targets.length} groups could not be resolved`,
            describeProblem(failed[0]!.reason),
          );
          void queryClient.invalidateQueries({ queryKey: ['dedup', 'groups'] });
        }
      });
    }, undoMs);
    pendingCommits.current.add(timer);
    const kept = targets.every((g) => g.media === 'video')
      ? 'videos'
      : targets.some((g) => g.media === 'video')
        ? 'images and videos'
        : 'images';
    toast.success(
      `Resolved ${targets.length} group${targets.length === 1 ? '' : 's'}, keeping the suggested ${kept}`,
      {
        duration: undoMs,
        action: {
          label: 'Undo',
          onClick: () => {
            undone = true;
            clearTimeout(timer);
            pendingCommits.current.delete(timer);
            restoreGroups(queryClient, snapshot);
            setSelectedGroups(new Set(targets.map((g) => g.group_id)));
          },
        },
      },
    );
  }, [groups, selectedGroups, queryClient, undoMs]);

  const chosenGroups = groups.filter((g) => selectedGroups.has(g.group_id));
  // Tags are set on images; a video group's members are videos (its images are only their posters).
  const taggable = chosenGroups.filter((g) => g.media !== 'video');
  const bulkTag = async () => {
    const tags = parseTags(bulkTags);
    const ids = [...new Set(taggable.flatMap((g) => g.members.map((m) => m.image_id)))];
    if (!tags.length || !ids.length) return;
    const results = await Promise.allSettled(ids.map((id) => updateImageTags(id, tags, false)));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length)
      toast.error(
        `Tagging failed for ${failed.length} of ${ids.length} images`,
        describeProblem(failed[0]!.reason),
      );
    else toast.success(`Tagged ${ids.length} images with ${tags.join(', ')}`);
    setBulkTags('');
    void queryClient.invalidateQueries({ queryKey: ['images'] });
  };

  const activeGroup = groups[Math.min(active, groups.length - 1)];
  useHotkeys(
    {
      j: () => setActive((i) => Math.min(groups.length - 1, i + 1)),
      k: () => setActive((i) => Math.max(0, i - 1)),
      x: () => activeGroup && setSelectedGroups((s) => toggle(s, activeGroup.group_id)),
      c: () => {
        if (activeGroup?.media === 'video') return;
        const other = activeGroup?.members.find((m) => m.image_id !== activeGroup.suggested_keep);
        if (activeGroup && other)
          setCompare(comparisonOf(activeGroup, activeGroup.suggested_keep, other.image_id));
      },
    },
    compare === null && !confirmOpen,
  );

  useEffect(() => {
    if (!activeGroup) return;
    document
      .querySelector<HTMLElement>(`[data-group-id="${activeGroup.group_id}"]`)
      ?.scrollIntoView?.({ block: 'nearest' });
  }, [activeGroup]);

  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center gap-3">
        <Tabs value={kind} onValueChange={(v) => setKind(v as GroupKind)}>
          <TabsList>
            {kinds.map((k) => (
              <TabsTrigger key={k.value} value={k.value} title={k.hint}>
                {k.label}
              </TabsTrigger>
            ))}
          </TabsList>
        </Tabs>
        <Tabs value={media} onValueChange={(v) => setMedia(v as MediaFilter)}>
          <TabsList aria-label="Media">
            {mediaFilters.map((m) => (
              <TabsTrigger key={m.value} value={m.value}>
                {m.label}
              </TabsTrigger>
            ))}
          </TabsList>
        </Tabs>
        <p className="text-sm text-muted-foreground">
          {media === 'video'
            ? kinds.find((k) => k.value === kind)?.videoHint
            : kinds.find((k) => k.value === kind)?.hint}
        </p>
        <div className="ml-auto flex items-center gap-2">
          {jobId && job.data && (
            <div className="flex w-40 items-center gap-2 text-xs text-muted-foreground" aria-live="polite">
              <Progress
                value={job.data.total ? (job.data.done / job.data.total) * 100 : 0}
                aria-label="Scan progress"
              />
              {job.data.state}
            </div>
          )}
          <Button
            variant="outline"
            disabled={scan.isPending || jobId !== null}
            onClick={() =>
              scan.mutate(undefined, {
                onSuccess: (started) => {
                  setJobId(started.job_id);
                  toast.info('Duplicate scan started');
                },
                onError: (error) => toast.error('Could not start the scan', describeProblem(error)),
              })
            }
          >
            <ScanSearchIcon /> Run a scan
          </Button>
        </div>
      </div>

      {selectedGroups.size > 0 && (
        <div
          className="sticky top-14 z-10 flex flex-wrap items-center gap-2 rounded-lg border bg-card p-3 shadow-sm"
          data-testid="bulk-bar"
        >
          <span className="text-sm font-medium">{selectedGroups.size} selected</span>
          <Button size="sm" onClick={() => setConfirmOpen(true)}>
            <CopyCheckIcon /> Resolve selected
          </Button>
          <form
            className="flex items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              void bulkTag();
            }}
          >
            <Input
              aria-label="Tags for the selected groups"
              className="h-8 w-48"
              placeholder="tag, another"
              value={bulkTags}
              onChange={(e) => setBulkTags(e.target.value)}
            />
            <Button
              size="sm"
              variant="outline"
              type="submit"
              disabled={parseTags(bulkTags).length === 0 || taggable.length === 0}
              title={
                taggable.length < chosenGroups.length
                  ? 'Tags go to the images of image groups; videos are not tagged from here'
                  : undefined
              }
            >
              <TagIcon /> Tag all images
            </Button>
          </form>
          <Button size="sm" variant="ghost" className="ml-auto" onClick={() => setSelectedGroups(new Set())}>
            Clear selection
          </Button>
        </div>
      )}

      {groupsQuery.isPending ? (
        <div className="grid gap-3">
          {Array.from({ length: 3 }, (_, i) => (
            <Skeleton key={i} className="h-56" />
          ))}
        </div>
      ) : groupsQuery.isError ? (
        <ProblemAlert
          error={groupsQuery.error}
          action={
            <Button size="sm" variant="outline" onClick={() => void groupsQuery.refetch()}>
              <RefreshCwIcon /> Try again
            </Button>
          }
        />
      ) : groups.length === 0 ? (
        <EmptyState
          icon={CopyCheckIcon}
          title={`No open ${kind} duplicate groups${media === 'all' ? '' : media === 'video' ? ' of videos' : ' of images'}`}
          action={
            <Button
              variant="outline"
              onClick={() => setKind(kind === 'exact' ? 'near' : kind === 'near' ? 'similar' : 'exact')}
            >
              Look at {kind === 'exact' ? 'near' : kind === 'near' ? 'similar' : 'exact'} duplicates
            </Button>
          }
        >
          {media === 'video'
            ? 'Either everything here is resolved or no two of your videos line up. Videos are compared as soon as their frames are indexed.'
            : 'Either everything here is resolved or no scan has found any. Upload more images, or run a scan to look again.'}
        </EmptyState>
      ) : (
        <div className="grid gap-3">
          <p className="text-xs text-muted-foreground">
            <Kbd>j</Kbd>/<Kbd>k</Kbd> move · <Kbd>x</Kbd> select group · <Kbd>c</Kbd> compare with the
            suggested keep (images)
          </p>
          {groups.map((group, index) => (
            <GroupCard
              key={group.group_id}
              group={group}
              active={index === active}
              busy={resolve.isPending && resolve.variables?.groupId === group.group_id}
              selectedMembers={selectedMembers}
              onToggleMember={(id) => setSelectedMembers((s) => toggle(s, id))}
              groupSelected={selectedGroups.has(group.group_id)}
              onToggleGroup={() => setSelectedGroups((s) => toggle(s, group.group_id))}
              onAction={(action) => act(group, action)}
              onCompare={(a, b) => setCompare(comparisonOf(group, a, b))}
              onOpenImage={(id) =>
                onOpenImage(
                  id,
                  group.members.map((m) => m.image_id),
                )
              }
            />
          ))}
          {groupsQuery.hasNextPage && (
            <Button
              variant="outline"
              onClick={() => void groupsQuery.fetchNextPage()}
              disabled={groupsQuery.isFetchingNextPage}
            >
              {groupsQuery.isFetchingNextPage ? 'Loading…' : 'Load more groups'}
            </Button>
          )}
        </div>
      )}

      <PairView pair={compare} onClose={() => setCompare(null)} />

      <AlertDialog open={confirmOpen} onOpenChange={setConfirmOpen}>
        <AlertDialogContent>
          <AlertDialogHeader>
            <AlertDialogTitle>
              Resolve {selectedGroups.size} group{selectedGroups.size === 1 ? '' : 's'}?
            </AlertDialogTitle>
            <AlertDialogDescription>
              In each group the suggested image or video is kept and every other member is marked as its
              duplicate (duplicate videos are deleted whole once the server&apos;s undo window has passed).
              You can undo here for a few seconds afterwards.
            </AlertDialogDescription>
          </AlertDialogHeader>
          <AlertDialogFooter>
            <AlertDialogCancel>Cancel</AlertDialogCancel>
            <AlertDialogAction onClick={() => void bulkResolve()}>Resolve</AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </div>
  );
}
