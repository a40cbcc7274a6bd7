import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export function getQualityThresholds() {
  return unwrap(api.GET('/api/quality/thresholds'));
}

export const qualityThresholdsKey = ['quality', 'thresholds'] as const;

export function qualityThresholdsQueryOptions() {
  return queryOptions({ queryKey: qualityThresholdsKey, queryFn: getQualityThresholds });
}

export function useQualityThresholds() {
  return useQuery(qualityThresholdsQueryOptions());
}
