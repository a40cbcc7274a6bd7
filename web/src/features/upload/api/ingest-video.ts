import { api, unwrap } from '@/api/client';
import type { VideoIngestResponse } from '@/api/types';

export function ingestVideo(input: {
  bucket: string;
  key: string;
  tags: string[];
}): Promise<VideoIngestResponse> {
  return unwrap(api.POST('/api/videos/ingest', { body: input }));
}
