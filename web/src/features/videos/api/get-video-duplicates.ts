import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';
import type { VideoDuplicatesResponse } from '@/api/types';

export function getVideoDuplicates(id: string): Promise<VideoDuplicatesResponse> {
  return unwrap(api.GET('/api/videos/{id}/duplicates', { params: { path: { id } } }));
}

export function videoDuplicatesQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['videos', 'duplicates', id],
    queryFn: () => getVideoDuplicates(id),
  });
}

/** Asked for once the video's frames are indexed (before that there is nothing to align). */
export function useVideoDuplicates(id: string, enabled: boolean) {
  return useQuery({ ...videoDuplicatesQueryOptions(id), enabled });
}
