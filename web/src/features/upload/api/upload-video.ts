import type { paths } from '@/api/schema';
import type { UploadRequest, VideoIngestResponse } from '@/api/types';
import { clearSession, getSession } from '@/lib/auth-store';
import { ApiError } from '@/lib/problem';

import { sendWithProgress, type UploadProgress } from './upload-object';

/**
 * The largest video `POST /api/videos` takes in one call (the gateway holds it in memory); larger ones
 * go through presign → PUT → ingest, up to the ingest service's own limit.
 */
export const VIDEO_MULTIPART_MAX_BYTES = 256 * 1024 * 1024;

const uploadPath = '/api/videos' satisfies keyof paths;

type UploadForm = Omit<UploadRequest, 'file'> & { file: File };

function formOf({ file, tags }: UploadForm): FormData {
  const form = new FormData();
  if (tags !== undefined) form.append('tags', tags);
  form.append('file', file, file.name);
  return form;
}

/**
 * Uploads a video with `POST /api/videos` (multipart, with upload progress, which fetch cannot report)
 * and resolves with the extraction job to follow.
 */
export async function uploadVideo(input: {
  file: File;
  tags: string[];
  onProgress: (progress: UploadProgress) => void;
  onSent?: () => void;
  signal?: AbortSignal;
}): Promise<VideoIngestResponse> {
  const { file, tags, onProgress, onSent, signal } = input;
  const session = getSession();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (session) headers.Authorization = `Bearer ${session.accessToken}`;
  let xhr: XMLHttpRequest;
  try {
    xhr = await sendWithProgress({
      method: 'POST',
      url: `${window.location.origin}${uploadPath}`,
      body: formOf({ file, tags: tags.length ? JSON.stringify(tags) : undefined }),
      headers,
      size: file.size,
      onProgress,
      onSent,
      signal,
    });
  } catch (error) {
    // As the API client does: a rejected token ends the session.
    if (error instanceof ApiError && error.status === 401 && session) clearSession();
    throw error;
  }
  try {
    return JSON.parse(xhr.responseText) as VideoIngestResponse;
  } catch {
    throw new ApiError({
      type: 'about:blank#client',
      title: 'Unexpected answer',
      status: xhr.status,
      detail: 'The server accepted the video but its answer could not be read.',
    });
  }
}
