import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from './client';
import type { FeedbackCreateRequest } from './types';

// Shared: the anomaly queue and the detail panel both send verdicts as feedback.
export function createFeedback(input: FeedbackCreateRequest) {
  return unwrap(api.POST('/api/feedback', { body: input }));
}

export function useCreateFeedback() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createFeedback,
    onSuccess: (_entry, input) => queryClient.invalidateQueries({ queryKey: ['feedback', input.image_id] }),
  });
}
