import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { ThresholdsScope } from '@/api/types';

import { qualityThresholdsKey } from './get-quality-thresholds';

export function undoQualityThresholds(scope: ThresholdsScope) {
  return unwrap(api.POST('/api/quality/thresholds/undo', { body: { scope } }));
}

/** Undoes the version in force of one scope (admins); the report is fetched again whatever the answer. */
export function useUndoQualityThresholds() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: undoQualityThresholds,
    onSettled: () => queryClient.invalidateQueries({ queryKey: qualityThresholdsKey }),
  });
}
