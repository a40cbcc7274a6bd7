import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { VideoRecord } from '@/api/types';

export function listVideos(cursor?: string, limit = 24) {
  return unwrap(api.GET('/api/videos', { params: { query: { cursor, limit } } }));
}

export const videoListKey = ['videos', 'list'] as const;

/** A video whose frames are still being extracted: its poster, shots and status will change. */
export const isVideoPending = (video: Pick<VideoRecord, 'status'>) =>
  video.status === 'stored' || video.status === 'extracting';

export function videosInfiniteQueryOptions() {
  return infiniteQueryOptions({
    queryKey: videoListKey,
    initialPageParam: '',
    queryFn: ({ pageParam }) => listVideos(pageParam || undefined),
    getNextPageParam: (last) => last.next_cursor || undefined,
    // Follow the extractions under way until they end.
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.videos.some(isVideoPending)) ? 3000 : false,
  });
}

export function useVideos() {
  return useInfiniteQuery(videosInfiniteQueryOptions());
}
