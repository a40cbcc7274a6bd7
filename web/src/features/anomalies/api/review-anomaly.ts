import { useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { AnomalyReviewRequest } from '@/api/types';

import { anomalyQueueKey, type listAnomalies } from './list-anomalies';

type Page = Awaited<ReturnType<typeof listAnomalies>>;

export function reviewAnomaly(imageId: string, review: AnomalyReviewRequest) {
  return unwrap(
    api.POST('/api/qa/anomalies/{id}/review', { params: { path: { id: imageId } }, body: review }),
  );
}

/** Reviewing takes the item out of the open queue at once; a failure puts it back where it was. */
export function useReviewAnomaly() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ imageId, review }: { imageId: string; review: AnomalyReviewRequest }) =>
      reviewAnomaly(imageId, review),
    onMutate: async ({ imageId }) => {
      await queryClient.cancelQueries({ queryKey: anomalyQueueKey });
      const snapshot = queryClient.getQueriesData<InfiniteData<Page>>({ queryKey: anomalyQueueKey });
      queryClient.setQueriesData<InfiniteData<Page>>({ queryKey: anomalyQueueKey }, (data) =>
        data
          ? {
              ...data,
              pages: data.pages.map((p) => ({ ...p, items: p.items.filter((i) => i.image_id !== imageId) })),
            }
          : data,
      );
      return { snapshot };
    },
    onError: (_error, _input, context) => {
      for (const [key, data] of context?.snapshot ?? []) queryClient.setQueryData(key, data);
    },
  });
}
