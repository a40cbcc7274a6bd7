import { api, unwrap } from '@/api/client';
import type { PresignResponse } from '@/api/types';

/** An upload URL for a video too large for the one-call upload (signed with the video size limit). */
export function presignVideo(file: File): Promise<PresignResponse> {
  return unwrap(
    api.POST('/api/videos/presign', {
      body: {
        content_type: file.type || 'application/octet-stream',
        filename: file.name,
        size_bytes: file.size,
      },
    }),
  );
}
