import { useMutation } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

/** Starts computing the map (or answers the job already computing it). */
export function computeEmbeddingMap() {
  return unwrap(api.POST('/api/stats/map'));
}

export function useComputeEmbeddingMap() {
  return useMutation({ mutationFn: computeEmbeddingMap });
}
