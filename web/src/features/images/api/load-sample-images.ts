import { useMutation } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

/** Starts loading the server's sample images into the caller's empty library; answers the job. */
export function loadSampleImages() {
  return unwrap(api.POST('/api/images/samples'));
}

export function useLoadSampleImages() {
  return useMutation({ mutationFn: loadSampleImages });
}
