import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export type GroupKind = 'exact' | 'near' | 'similar';
export type GroupMedia = 'image' | 'video';
/** Which groups a list shows: of images, of videos, or both. */
export type MediaFilter = GroupMedia | 'all';

export function listDedupGroups(query: {
  kind?: GroupKind;
  status?: 'open' | 'resolved';
  media?: GroupMedia;
  cursor?: string;
  limit?: number;
}) {
  return unwrap(
    api.GET('/api/dedup/groups', {
      params: {
        query: {
          kind: query.kind,
          status: query.status,
          media: query.media,
          cursor: query.cursor,
          limit: query.limit ?? 20,
        },
      },
    }),
  );
}

export const dedupGroupListKey = ['dedup', 'groups', 'list'] as const;

export function dedupGroupsInfiniteQueryOptions(kind: GroupKind, media: MediaFilter = 'all') {
  return infiniteQueryOptions({
    queryKey: [...dedupGroupListKey, kind, media, 'open'],
    initialPageParam: '',
    queryFn: ({ pageParam }) =>
      listDedupGroups({
        kind,
        status: 'open',
        media: media === 'all' ? undefined : media,
        cursor: pageParam || undefined,
      }),
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
}

export function useDedupGroups(kind: GroupKind, media: MediaFilter = 'all') {
  return useInfiniteQuery(dedupGroupsInfiniteQueryOptions(kind, media));
}

/**
 * The groups one image belongs to, for the detail panel. The API lists groups but cannot filter them by
 * member, so this reads the first page of open and of resolved image groups (200 each) and keeps the
 * image's. Video groups are left out: their members are videos, named by their poster frames.
 */
export function imageDedupGroupsQueryOptions(imageId: string) {
  return queryOptions({
    queryKey: ['dedup', 'groups', 'image', imageId],
    queryFn: async () => {
      const pages = await Promise.all([
        listDedupGroups({ status: 'open', media: 'image', limit: 200 }),
        listDedupGroups({ status: 'resolved', media: 'image', limit: 200 }),
      ]);
      return pages.flatMap((p) => p.groups).filter((g) => g.members.some((m) => m.image_id === imageId));
    },
  });
}

export function useImageDedupGroups(imageId: string) {
  return useQuery(imageDedupGroupsQueryOptions(imageId));
}
