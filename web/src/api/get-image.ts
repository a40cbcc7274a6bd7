import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from './client';
import type { ImageRecord } from './types';

// Shared by several features (thumbnails of group members, the detail panel), so it lives beside the client.
export function getImage(id: string): Promise<ImageRecord> {
  return unwrap(api.GET('/api/images/{id}', { params: { path: { id } } }));
}

export const imageQueryKey = (id: string) => ['images', 'detail', id] as const;

export function getImageQueryOptions(id: string) {
  return queryOptions({
    queryKey: imageQueryKey(id),
    queryFn: () => getImage(id),
    // Preview URLs are signed for a short time; refetch before they lapse rather than show broken images.
    staleTime: 60_000,
  });
}

export function useImage(id: string | undefined) {
  return useQuery({ ...getImageQueryOptions(id ?? ''), enabled: Boolean(id) });
}
