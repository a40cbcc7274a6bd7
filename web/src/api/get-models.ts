import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from './client';
import type { ModelInfo } from './types';

export function getModels(): Promise<ModelInfo> {
  return unwrap(api.GET('/api/models'));
}

export function getModelsQueryOptions() {
  return queryOptions({ queryKey: ['models'], queryFn: getModels, staleTime: 5 * 60_000 });
}

export function useModels() {
  return useQuery(getModelsQueryOptions());
}
