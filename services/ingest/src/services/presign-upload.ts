import {
  ErrorCode,
  LookalikeError,
  type ImagePresignRequest,
  type ImagePresignResponse,
} from '@lookalike/contracts';
import { generateObjectKey, type ObjectStore } from '@lookalike/object-store';

const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

export interface PresignOptions {
  /** `image` or `video`: names the object in the refusal. */
  what: string;
  maxBytes: number;
  expiresInSeconds: number;
  /** Key extension per declared content type; otherwise the file name's, else `bin`. */
  extensions: Readonly<Record<string, string>>;
}

/**
 * A presigned upload under the owner's prefix, signed with the size limit (images and videos). The
 * declared type only names the key and is signed when well-formed; ingest reads the real type from
 * the bytes.
 */
export async function presignTenantUpload(
  objects: ObjectStore,
  owner: string,
  request: ImagePresignRequest,
  options: PresignOptions,
): Promise<ImagePresignResponse> {
  const max = options.maxBytes;
  if (request.sizeBytes > max) {
    throw new LookalikeError(
      ErrorCode.PayloadTooLarge,
      `The ${options.what} is ${request.sizeBytes} bytes; the limit is ${max}`,
      { details: { reason: 'too_large', limit: max, actual: request.sizeBytes } },
    );
  }
  const contentType = request.contentType.trim().toLowerCase();
  const fromName = /\.([A-Za-z0-9]{1,10})$/.exec(request.filename)?.[1]?.toLowerCase();
  const key = generateObjectKey(owner, options.extensions[contentType] ?? fromName ?? 'bin');
  const upload = await objects.presignUpload({
    key,
    contentType: CONTENT_TYPE.test(contentType) ? contentType : undefined,
    maxBytes: max,
    expiresInSeconds: options.expiresInSeconds,
  });
  return {
    bucket: upload.bucket,
    key: upload.key,
    url: upload.url,
    method: upload.method,
    headers: upload.headers,
    fields: upload.fields,
    expiresAt: upload.expiresAt.toISOString(),
    maxBytes: upload.maxBytes,
  };
}
