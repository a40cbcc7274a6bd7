import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { Client, S3Error, type BucketItem } from 'minio';
import { Readable } from 'node:stream';
import {
  assertMaxBytes,
  assertPositiveSeconds,
  attachmentDisposition,
  payloadTooLarge,
  readLimited,
} from '../byte-limit';
import { assertValidObjectKey } from '../object-key';
import type {
  ObjectInfo,
  ObjectListing,
  ObjectStore,
  PresignDownloadRequest,
  PresignUploadRequest,
  PresignedUpload,
  PutOptions,
  PutResult,
} from '../object-store.port';

export interface S3ObjectStoreOptions {
  /** http(s)://host:port of the S3 API (MinIO, AWS, any S3-compatible server). */
  endpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** Endpoint put into presigned URLs when clients reach the store by another address. */
  publicEndpoint?: string;
  /** Path-style addressing (bucket in the path); MinIO needs it, AWS accepts it. Default true. */
  pathStyle?: boolean;
  /**
   * POST uploads carry a signed policy with a content-length-range, so the store itself refuses
   * oversized bodies; PUT is for stores without POST policy support. Default POST.
   */
  uploadMethod?: 'POST' | 'PUT';
  /** Streams up to this size are sent in one PUT; larger ones as a multipart upload. Default 32 MiB. */
  singlePutBytes?: number;
  now?: () => Date;
}

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;
const MISSING_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

function clientFor(endpoint: string, options: S3ObjectStoreOptions): Client {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw LookalikeError.invalid('S3 endpoint must be an http(s) URL', { endpoint });
  }
  const useSSL = url.protocol === 'https:';
  return new Client({
    endPoint: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    region: options.region,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    pathStyle: options.pathStyle ?? true,
  });
}

function errorCode(error: unknown): string | undefined {
  return (error as { code?: unknown } | undefined)?.code as string | undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && MISSING_CODES.has(code);
}

/** Turns client failures into typed errors; anything not recognised passes through unchanged. */
function mapError(error: unknown, key?: string): unknown {
  if (error instanceof LookalikeError) return error;
  if (key !== undefined && isMissing(error)) return LookalikeError.notFound('object', key);
  const code = errorCode(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return new LookalikeError(ErrorCode.Unavailable, 'object store is unreachable', {
      cause: error,
      retryAfterSeconds: 1,
    });
  }
  if (error instanceof S3Error && (code === 'AccessDenied' || code === 'SignatureDoesNotMatch')) {
    return new LookalikeError(ErrorCode.Internal, `object store refused the request: ${code}`, {
      cause: error,
    });
  }
  return error;
}

/** MinIO or any S3-compatible store through the `minio` client; presigned URLs use SigV4. */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  private readonly client: Client;
  private readonly presigner: Client;
  private readonly region: string;
  private readonly uploadMethod: 'POST' | 'PUT';
  private readonly singlePutBytes: number;
  private readonly now: () => Date;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.region = options.region;
    this.client = clientFor(options.endpoint, options);
    this.presigner = options.publicEndpoint ? clientFor(options.publicEndpoint, options) : this.client;
    this.uploadMethod = options.uploadMethod ?? 'POST';
    this.singlePutBytes = options.singlePutBytes ?? 32 * 1024 * 1024;
    this.now = options.now ?? (() => new Date());
  }

  async init(): Promise<void> {
    try {
      if (await this.client.bucketExists(this.bucket)) return;
      await this.client.makeBucket(this.bucket, this.region);
    } catch (error) {
      // Another instance may have created it between the check and the create.
      const code = errorCode(error);
      if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') return;
      throw mapError(error);
    }
  }

  async presignUpload(request: PresignUploadRequest): Promise<PresignedUpload> {
    assertValidObjectKey(request.key);
    assertMaxBytes(request.maxBytes);
    assertPositiveSeconds(request.expiresInSeconds, MAX_EXPIRY_SECONDS);
    const now = this.now();
    const expiresAt = new Date(now.getTime() + request.expiresInSeconds * 1000);
    if (this.uploadMethod === 'PUT') {
      const url = await this.presigner.presignedUrl(
        'PUT',
        this.bucket,
        request.key,
        request.expiresInSeconds,
        {},
        now,
      );
      return {
        bucket: this.bucket,
        key: request.key,
        url,
        method: 'PUT',
        headers: request.contentType ? { 'Content-Type': request.contentType } : {},
        fields: {},
        expiresAt,
        maxBytes: request.maxBytes,
        sizeLimitEnforced: false,
      };
    }
    const policy = this.presigner.newPostPolicy();
    policy.setBucket(this.bucket);
    policy.setKey(request.key);
    policy.setExpires(expiresAt);
    policy.setContentLengthRange(0, request.maxBytes);
    if (request.contentType) policy.setContentType(request.contentType);
    const { postURL, formData } = await this.presigner.presignedPostPolicy(policy);
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(formData)) fields[name] = String(value);
    return {
      bucket: this.bucket,
      key: request.key,
      url: postURL,
      method: 'POST',
      headers: {},
      fields,
      expiresAt,
      maxBytes: request.maxBytes,
      sizeLimitEnforced: true,
    };
  }

  async presignDownload(request: PresignDownloadRequest): Promise<string> {
    assertValidObjectKey(request.key);
    assertPositiveSeconds(request.expiresInSeconds, MAX_EXPIRY_SECONDS);
    const params: Record<string, string> = {};
    if (request.contentType) params['response-content-type'] = request.contentType;
    if (request.filename !== undefined)
      params['response-content-disposition'] = attachmentDisposition(request.filename);
    return this.presigner.presignedUrl(
      'GET',
      this.bucket,
      request.key,
      request.expiresInSeconds,
      params,
      this.now(),
    );
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions): Promise<PutResult> {
    assertValidObjectKey(key);
    const metadata = { 'Content-Type': options.contentType };
    if (Buffer.isBuffer(body)) {
      if (options.maxBytes !== undefined && body.length > options.maxBytes)
        throw payloadTooLarge(options.maxBytes);
      try {
        const info = await this.client.putObject(this.bucket, key, body, body.length, metadata);
        return { key, size: body.length, etag: info.etag };
      } catch (error) {
        throw mapError(error, key);
      }
    }
    // Bodies up to singlePutBytes are read into memory and sent in one request with a known length;
    // larger ones go through the client's multipart upload.
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const iterator = (body as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let size = 0;
    let ended = false;
    try {
      while (size <= this.singlePutBytes) {
        const next = await iterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        size += chunk.length;
        if (size > maxBytes) throw payloadTooLarge(maxBytes);
        head.push(chunk);
      }
    } catch (error) {
      body.destroy();
      throw error;
    }
    if (ended) {
      const buffer = Buffer.concat(head, size);
      try {
        const info = await this.client.putObject(this.bucket, key, buffer, buffer.length, metadata);
        return { key, size, etag: info.etag };
      } catch (error) {
        throw mapError(error, key);
      }
    }
    let limitError: LookalikeError | undefined;
    async function* rest(): AsyncGenerator<Buffer> {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        size += chunk.length;
        if (size > maxBytes) {
          limitError = payloadTooLarge(maxBytes);
          throw limitError;
        }
        yield chunk;
      }
    }
    try {
      const info = await this.client.putObject(this.bucket, key, Readable.from(rest()), undefined, metadata);
      return { key, size, etag: info.etag };
    } catch (error) {
      body.destroy();
      throw limitError ?? mapError(error, key);
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidObjectKey(key);
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      throw mapError(error, key);
    }
  }

  async getBuffer(key: string, options: { maxBytes: number }): Promise<Buffer> {
    const info = await this.head(key);
    if (!info) throw LookalikeError.notFound('object', key);
    if (info.size > options.maxBytes) throw payloadTooLarge(options.maxBytes);
    return readLimited(await this.get(key), options.maxBytes);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidObjectKey(key);
    try {
      const stat = await this.client.statObject(this.bucket, key);
      const contentType = stat.metaData['content-type'];
      return {
        key,
        size: stat.size,
        contentType: typeof contentType === 'string' ? contentType : 'application/octet-stream',
        etag: stat.etag,
        lastModified: stat.lastModified,
      };
    } catch (error) {
      if (isMissing(error)) return null;
      throw mapError(error, key);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidObjectKey(key);
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (error) {
      if (isMissing(error)) return;
      throw mapError(error, key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectListing> {
    const stream = this.client.listObjectsV2(this.bucket, prefix, true);
    try {
      for await (const item of stream as AsyncIterable<BucketItem>) {
        if (item.name === undefined) continue;
        yield { key: item.name, size: item.size, lastModified: item.lastModified };
      }
    } catch (error) {
      throw mapError(error);
    }
  }
}
