import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from './client';
import type { Job } from './types';

export function getJob(id: string): Promise<Job> {
  return unwrap(api.GET('/api/jobs/{id}', { params: { path: { id } } }));
}

const finished = new Set(['succeeded', 'failed', 'cancelled']);

export function getJobQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['jobs', id],
    queryFn: () => getJob(id),
    // Poll while the job runs, stop once it has an outcome.
    refetchInterval: (query) => (query.state.data && finished.has(query.state.data.state) ? false : 1000),
  });
}

export function useJob(id: string | null) {
  return useQuery({ ...getJobQueryOptions(id ?? ''), enabled: Boolean(id) });
}

export const isJobFinished = (job: Job | undefined) => Boolean(job && finished.has(job.state));
