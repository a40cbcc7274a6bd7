import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export function listFeedback(imageId: string) {
  return unwrap(api.GET('/api/feedback', { params: { query: { image_id: imageId, limit: 50 } } }));
}

export function feedbackQueryOptions(imageId: string) {
  return queryOptions({ queryKey: ['feedback', imageId], queryFn: () => listFeedback(imageId) });
}

export function useFeedbackHistory(imageId: string) {
  return useQuery(feedbackQueryOptions(imageId));
}
