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

export interface SendOptions {
  method: string;
  url: string;
  body: XMLHttpRequestBodyInit;
  headers?: Record<string, string>;
  /** Bytes of the file inside the body, reported as the total when the browser cannot compute one. */
  size: number;
  onProgress: (progress: UploadProgress) => void;
  /** The last byte left the browser; the server is now checking what it received. */
  onSent?: () => void;
  signal?: AbortSignal | undefined;
}

/**
 * Sends a body with upload progress and resolves with the finished request on a 2xx, or rejects with an
 * ApiError carrying the answer's problem. XMLHttpRequest rather than fetch because only it reports upload
 * progress in every browser.
 */
export function sendWithProgress(options: SendOptions): Promise<XMLHttpRequest> {
  const { method, url, body, headers = {}, size, onProgress, onSent, signal } = options;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : size });
    };
    xhr.upload.onload = () => onSent?.();
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress({ loaded: size, total: size });
        resolve(xhr);
        return;
      }
      const answerHeaders = new Headers();
      const requestId = xhr.getResponseHeader('x-request-id');
      if (requestId) answerHeaders.set('x-request-id', requestId);
      reject(
        new ApiError(
          problemFromBody(parseErrorBody(xhr), {
            status: xhr.status,
            statusText: xhr.statusText,
            headers: answerHeaders,
          }),
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

/** Sends the file to the presigned URL (a PUT of the bytes, or an S3 POST form). */
export async function uploadObject(
  presign: PresignResponse,
  file: File,
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  let body: XMLHttpRequestBodyInit;
  let headers: Record<string, string> = {};
  if (presign.method === 'POST') {
    const form = new FormData();
    for (const [name, value] of Object.entries(presign.fields ?? {})) form.append(name, value);
    // S3 POST policies require the file to be the last field.
    form.append('file', file, file.name);
    body = form;
  } else {
    headers = presign.headers ?? {};
    body = file;
  }
  await sendWithProgress({
    method: presign.method,
    url: presign.url,
    body,
    headers,
    size: file.size,
    onProgress,
    signal,
  });
}
