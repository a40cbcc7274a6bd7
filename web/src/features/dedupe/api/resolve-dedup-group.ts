import { useMutation, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { GroupResolveRequest } from '@/api/types';

import { dedupGroupListKey, type listDedupGroups } from './list-dedup-groups';

type GroupPage = Awaited<ReturnType<typeof listDedupGroups>>;
type Snapshot = [readonly unknown[], InfiniteData<GroupPage> | undefined][];

export function resolveDedupGroup(groupId: string, decision: GroupResolveRequest) {
  return unwrap(
    api.POST('/api/dedup/groups/{id}/resolve', { params: { path: { id: groupId } }, body: decision }),
  );
}

/** Takes groups out of every open list at once and returns what was there, to put back on failure or undo. */
export async function removeGroupsOptimistically(
  queryClient: QueryClient,
  groupIds: string[],
): Promise<Snapshot> {
  await queryClient.cancelQueries({ queryKey: dedupGroupListKey });
  const snapshot = queryClient.getQueriesData<InfiniteData<GroupPage>>({ queryKey: dedupGroupListKey });
  const ids = new Set(groupIds);
  queryClient.setQueriesData<InfiniteData<GroupPage>>({ queryKey: dedupGroupListKey }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            groups: page.groups.filter((g) => !ids.has(g.group_id)),
          })),
        }
      : data,
  );
  return snapshot;
}

export function restoreGroups(queryClient: QueryClient, snapshot: Snapshot): void {
  for (const [key, data] of snapshot) queryClient.setQueryData(key, data);
}

export function useResolveDedupGroup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ groupId, decision }: { groupId: string; decision: GroupResolveRequest }) =>
      resolveDedupGroup(groupId, decision),
    onMutate: ({ groupId }) => removeGroupsOptimistically(queryClient, [groupId]),
    onError: (_error, _input, snapshot) => {
      if (snapshot) restoreGroups(queryClient, snapshot);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['dedup', 'groups', 'image'] }),
  });
}
