import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { ApplyThresholdsRequest } from '@/api/types';

import { qualityThresholdsKey } from './get-quality-thresholds';

export function applyQualityThresholds(body: ApplyThresholdsRequest) {
  return unwrap(api.POST('/api/quality/thresholds/apply', { body }));
}

/** Applies suggestions (admins); the report is fetched again whatever the answer. */
export function useApplyQualityThresholds() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: applyQualityThresholds,
    onSettled: () => queryClient.invalidateQueries({ queryKey: qualityThresholdsKey }),
  });
}
