import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export type AnomalyMethod = 'combined' | 'dnn' | 'density' | 'ood' | 'quality';

export function listAnomalies(method: AnomalyMethod, cursor?: string) {
  return unwrap(
    api.GET('/api/qa/anomalies', { params: { query: { method, status: 'open', cursor, limit: 50 } } }),
  );
}

export const anomalyQueueKey = ['qa', 'anomalies'] as const;

export function anomalyQueueInfiniteQueryOptions(method: AnomalyMethod) {
  return infiniteQueryOptions({
    queryKey: [...anomalyQueueKey, method, 'open'],
    initialPageParam: '',
    queryFn: ({ pageParam }) => listAnomalies(method, pageParam || undefined),
    getNextPageParam: (last) => last.next_cursor || undefined,
  });
}

export function useAnomalyQueue(method: AnomalyMethod) {
  return useInfiniteQuery(anomalyQueueInfiniteQueryOptions(method));
}
