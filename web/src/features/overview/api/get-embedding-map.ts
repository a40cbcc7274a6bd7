import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export function getEmbeddingMap() {
  return unwrap(api.GET('/api/stats/map'));
}

export const embeddingMapKey = ['stats', 'map'] as const;

export function embeddingMapQueryOptions() {
  return queryOptions({
    queryKey: embeddingMapKey,
    queryFn: getEmbeddingMap,
    // Up to 50,000 points: fetched once, and again only when a computation ends or the page asks.
    staleTime: Infinity,
  });
}

export function useEmbeddingMap() {
  return useQuery(embeddingMapQueryOptions());
}
