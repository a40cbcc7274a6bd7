import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/api/client';

/** The server's public configuration: run mode, dev login, the user a sign-in form suggests. */
export function getConfig() {
  return unwrap(api.GET('/api/config'));
}

export function getConfigQueryOptions() {
  return queryOptions({
    queryKey: ['config'],
    queryFn: getConfig,
    // It changes only when the server restarts with another configuration.
    staleTime: Infinity,
    retry: 1,
  });
}

export function useConfig() {
  return useQuery(getConfigQueryOptions());
}
