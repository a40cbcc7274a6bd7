import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

import { videoQueryKey } from './get-video';
import { videoListKey } from './list-videos';

export function deleteVideo(id: string) {
  return unwrap(api.DELETE('/api/videos/{id}', { params: { path: { id } } }));
}

/** Deletes a video whole (its frames with it); the list and the other videos' duplicates follow. */
export function useDeleteVideo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteVideo,
    onSuccess: (_result, id) => {
      queryClient.removeQueries({ queryKey: videoQueryKey(id) });
      void queryClient.invalidateQueries({ queryKey: videoListKey });
      void queryClient.invalidateQueries({ queryKey: ['videos', 'duplicates'] });
    },
  });
}
