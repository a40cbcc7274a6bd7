import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export function listImages(cursor?: string, limit = 48) {
  return unwrap(api.GET('/api/images', { params: { query: { cursor, limit } } }));
}

export const imageListKey = ['images', 'list'] as const;

export function imagesInfiniteQueryOptions(options: { refetchInterval?: number | false } = {}) {
  return infiniteQueryOptions({
    queryKey: imageListKey,
    initialPageParam: '',
    queryFn: ({ pageParam }) => listImages(pageParam || undefined),
    getNextPageParam: (last) => last.next_cursor || undefined,
    refetchInterval: options.refetchInterval ?? false,
  });
}

/** The caller's images, newest first; `refetchInterval` while images are still arriving. */
export function useImages(options: { refetchInterval?: number | false } = {}) {
  return useInfiniteQuery(imagesInfiniteQueryOptions(options));
}
