import { useMutation } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

export function startDedupScan() {
  return unwrap(api.POST('/api/dedup/scan'));
}

export function useStartDedupScan() {
  return useMutation({ mutationFn: startDedupScan });
}
