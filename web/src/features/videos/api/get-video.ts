import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { VideoRecord } from '@/api/types';

import { isVideoPending } from './list-videos';

export function getVideo(id: string): Promise<VideoRecord> {
  return unwrap(api.GET('/api/videos/{id}', { params: { path: { id } } }));
}

export const videoQueryKey = (id: string) => ['videos', 'detail', id] as const;

export function getVideoQueryOptions(id: string) {
  return queryOptions({
    queryKey: videoQueryKey(id),
    queryFn: () => getVideo(id),
    // The video and thumbnail URLs are signed for a short time; the player keeps the URL it started with.
    staleTime: 60_000,
    // While the frames are extracted, they appear as they are indexed.
    refetchInterval: (query) => (query.state.data && isVideoPending(query.state.data) ? 2000 : false),
  });
}

export function useVideo(id: string | undefined) {
  return useQuery({ ...getVideoQueryOptions(id ?? ''), enabled: Boolean(id) });
}
