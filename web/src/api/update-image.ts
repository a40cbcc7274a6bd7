import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from './client';
import { imageQueryKey } from './get-image';
import type { ImageRecord } from './types';

// Shared: the detail panel edits one image's tags, the dedupe view tags whole groups.
export function updateImageTags(id: string, tags: string[], replace: boolean): Promise<ImageRecord> {
  return unwrap(api.PATCH('/api/images/{id}', { params: { path: { id } }, body: { tags, replace } }));
}

export function useUpdateImageTags() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { id: string; tags: string[]; replace: boolean }) =>
      updateImageTags(input.id, input.tags, input.replace),
    onMutate: async ({ id, tags, replace }) => {
      await queryClient.cancelQueries({ queryKey: imageQueryKey(id) });
      const previous = queryClient.getQueryData<ImageRecord>(imageQueryKey(id));
      if (previous) {
        const merged = replace ? tags : [...new Set([...(previous.payload.tags ?? []), ...tags])];
        queryClient.setQueryData<ImageRecord>(imageQueryKey(id), {
          ...previous,
          payload: { ...previous.payload, tags: merged },
        });
      }
      return { previous };
    },
    onError: (_error, { id }, context) => {
      if (context?.previous) queryClient.setQueryData(imageQueryKey(id), context.previous);
    },
    onSuccess: (record, { id }) => {
      queryClient.setQueryData(imageQueryKey(id), record);
    },
  });
}
