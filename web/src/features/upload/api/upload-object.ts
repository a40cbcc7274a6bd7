import type { PresignResponse } from '@/api/types';
import { ApiError, networkProblem, problemFromBody } from '@/lib/problem';

export interface UploadProgress {
  loaded: number;
  total: number;
}

function parseErrorBody(xhr: XMLHttpRequest): unknown {
  const text = xhr.responseText;
  const type = xhr.getResponseHeader('content-type') ?? '';
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  // S3-compatible stores answer with an XML <Error><Code/><Message/></Error>.
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (code || message) return { title: code ?? 'Upload rejected', detail: message };
  return text;
}

/**
 * Sends the file to the presigned URL. XMLHttpRequest rather than fetch because only it reports upload
 * progress in every browser.
 */
export function uploadObject(
  presign: PresignResponse,
  file: File,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(presign.method, presign.url);
    let body: XMLHttpRequestBodyInit;
    if (presign.method === 'POST') {
      const form = new FormData();
      for (const [name, value] of Object.entries(presign.fields ?? {})) form.append(name, value);
      // S3 POST policies require the file to be the last field.
      form.append('file', file, file.name);
      body = form;
    } else {
      for (const [name, value] of Object.entries(presign.headers ?? {})) xhr.setRequestHeader(name, value);
      body = file;
    }
    xhr.upload.onprogress = (event) => {
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size });
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: file.size, total: file.size });
        resolve();
        return;
      }
      const headers = new Headers();
      const requestId = xhr.getResponseHeader('x-request-id');
      if (requestId) headers.set('x-request-id', requestId);
      reject(
        new ApiError(
          problemFromBody(parseErrorBody(xhr), { status: xhr.status, statusText: xhr.statusText, headers }),
        ),
      );
    };
    xhr.onerror = () => reject(new ApiError(networkProblem(new Error('The upload connection failed'))));
    xhr.onabort = () =>
      reject(new ApiError({ type: 'about:blank#aborted', title: 'Upload cancelled', status: 0 }));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}
