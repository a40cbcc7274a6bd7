import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { StatsWindow } from '@/api/types';

export function getStats(window: StatsWindow) {
  return unwrap(api.GET('/api/stats', { params: { query: { window } } }));
}

export const statsKey = ['stats', 'summary'] as const;

export function statsQueryOptions(window: StatsWindow) {
  return queryOptions({
    queryKey: [...statsKey, window],
    queryFn: () => getStats(window),
    // The numbers move as reviewers work and uploads arrive; a glance every half minute is enough.
    refetchInterval: 30_000,
    // Switching the window keeps the old numbers on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });
}

export function useStats(window: StatsWindow) {
  return useQuery(statsQueryOptions(window));
}
