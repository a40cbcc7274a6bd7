import { api, unwrap } from '@/api/client';
import type { IngestResponse } from '@/api/types';

export function ingestImage(input: { bucket: string; key: string; tags: string[] }): Promise<IngestResponse> {
  return unwrap(api.POST('/api/images/ingest', { body: input }));
}
