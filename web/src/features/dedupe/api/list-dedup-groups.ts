import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export type GroupKind = 'exact' | 'near' | 'similar';

export function listDedupGroups(query: {
  kind?: GroupKind;
  status?: string;
  imageId?: string;
  cursor?: string;
}) {
  return unwrap(
    api.GET('/api/dedup/groups', {
      params: {
        query: {
          kind: query.kind,
          status: query.status,
          image_id: query.imageId,
          cursor: query.cursor,
          limit: 20,
        },
      },
    }),
  );
}

export const dedupGroupListKey = ['dedup', 'groups', 'list'] as const;

export function dedupGroupsInfiniteQueryOptions(kind: GroupKind) {
  return infiniteQueryOptions({
    queryKey: [...dedupGroupListKey, kind, 'open'],
    initialPageParam: '',
    queryFn: ({ pageParam }) => listDedupGroups({ kind, status: 'open', cursor: pageParam || undefined }),
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
}

export function useDedupGroups(kind: GroupKind) {
  return useInfiniteQuery(dedupGroupsInfiniteQueryOptions(kind));
}

/** The groups one image belongs to, for the detail panel. */
export function imageDedupGroupsQueryOptions(imageId: string) {
  return queryOptions({
    queryKey: ['dedup', 'groups', 'image', imageId],
    queryFn: () => listDedupGroups({ imageId }),
  });
}

export function useImageDedupGroups(imageId: string) {
  return useQuery(imageDedupGroupsQueryOptions(imageId));
}
