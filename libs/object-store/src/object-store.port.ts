import type { Readable } from 'node:stream';

export interface PresignUploadRequest {
  /** A key made by generateObjectKey and checked with assertKeyInTenant by the caller. */
  key: string;
  /** When given, the upload must carry exactly this Content-Type. */
  contentType?: string;
  /** Largest body the store will accept for this upload. */
  maxBytes: number;
  expiresInSeconds: number;
}

export interface PresignedUpload {
  bucket: string;
  key: string;
  url: string;
  /** PUT: send the body as is. POST: send multipart/form-data with `fields` first, then a `file` part. */
  method: 'PUT' | 'POST';
  /** Headers the client must send with the request. */
  headers: Record<string, string>;
  /** Form fields for a POST upload (empty for PUT). */
  fields: Record<string, string>;
  expiresAt: Date;
  maxBytes: number;
  /**
   * Whether the store itself refuses a body over maxBytes. A plain S3 presigned PUT cannot carry a
   * size limit, so callers must check the stored size (head) before trusting such an upload.
   */
  sizeLimitEnforced: boolean;
}

export interface PresignDownloadRequest {
  key: string;
  expiresInSeconds: number;
  /** Content-Type the response should carry instead of the stored one. */
  contentType?: string;
  /** When given, the response asks the browser to save the object under this name. */
  filename?: string;
}

export interface PutOptions {
  contentType: string;
  /** Refuse (payload_too_large) and store nothing when the body is larger. */
  maxBytes?: number;
}

export interface PutResult {
  key: string;
  size: number;
  etag: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  contentType: string;
  etag: string;
  lastModified: Date;
}

export interface ObjectListing {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * Image bytes live here; messages carry only bucket + key. Keys are always made server-side
 * (generateObjectKey) and checked against the caller's tenant (assertKeyInTenant) before use.
 */
export interface ObjectStore {
  readonly kind: 'local' | 's3';
  readonly bucket: string;
  /** Creates the bucket or directory when missing; idempotent. */
  init(): Promise<void>;
  presignUpload(request: PresignUploadRequest): Promise<PresignedUpload>;
  presignDownload(request: PresignDownloadRequest): Promise<string>;
  put(key: string, body: Buffer | Readable, options: PutOptions): Promise<PutResult>;
  /** Throws LookalikeError not_found when the object is absent. */
  get(key: string): Promise<Readable>;
  /** Throws not_found when absent and payload_too_large when the object exceeds maxBytes. */
  getBuffer(key: string, options: { maxBytes: number }): Promise<Buffer>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Idempotent: deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with prefix, in key order. */
  list(prefix: string): AsyncIterable<ObjectListing>;
}
