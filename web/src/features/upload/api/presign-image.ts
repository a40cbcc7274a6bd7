import { api, unwrap } from '@/api/client';
import type { PresignResponse } from '@/api/types';

export function presignImage(file: File): Promise<PresignResponse> {
  return unwrap(
    api.POST('/api/images/presign', {
      body: {
        content_type: file.type || 'application/octet-stream',
        filename: file.name,
        size_bytes: file.size,
      },
    }),
  );
}
