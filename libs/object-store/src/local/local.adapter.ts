import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ByteLimit,
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
import { LocalUrlSigner, type QueryInput } from './local-url.signer';

export interface LocalObjectStoreOptions {
  /** Root of the store; objects/, meta/ and tmp/ are made below it. */
  dir: string;
  /** Where the gateway serves signed object URLs, e.g. http://127.0.0.1:8080/api/objects */
  baseUrl: string;
  signingKey: string | Buffer;
  /** Name reported as the bucket in presigned uploads and messages. */
  bucket?: string;
  now?: () => Date;
}

interface ObjectMeta {
  contentType: string;
  size: number;
  etag: string;
}

export interface SignedDownload {
  stream: Readable;
  /** The whole object's size. */
  size: number;
  /** The byte range `stream` holds (inclusive), when a satisfiable range was asked for. */
  range?: { start: number; end: number };
  /** A range was asked for that the object cannot satisfy (HTTP 416); `stream` is empty. */
  unsatisfiable?: boolean;
  contentType: string;
  etag: string;
  contentDisposition?: string;
}

const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;
/**
 * Directories remembered as existing (generated keys put a tenant's objects of a month in one);
 * the set is cleared past this many.
 */
const MAX_KNOWN_DIRS = 10_000;
const CONTENT_TYPE_PATTERN = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;[\x20-\x7e]*)?$/;

function assertContentType(contentType: string): void {
  if (contentType.length > 200 || !CONTENT_TYPE_PATTERN.test(contentType)) {
    throw LookalikeError.invalid('content type is malformed', { contentType: contentType.slice(0, 200) });
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

class Md5Tap extends Transform {
  private readonly hash = createHash('md5');
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

async function fsyncPath(path: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } finally {
    await handle?.close();
  }
}

/**
 * Objects as files under a data directory, for the embedded run mode. Every write goes to a temp
 * file that is fsynced and renamed into place, so a reader sees the old object or the whole new one.
 * Upload and download URLs point at the gateway and are signed with an HMAC (LocalUrlSigner).
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local' as const;
  readonly bucket: string;
  readonly signer: LocalUrlSigner;
  private readonly objectsDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;
  private readonly now: () => Date;
  private readonly knownDirs = new Set<string>();

  constructor(options: LocalObjectStoreOptions) {
    this.bucket = options.bucket ?? 'local';
    this.now = options.now ?? (() => new Date());
    this.signer = new LocalUrlSigner({
      signingKey: options.signingKey,
      baseUrl: options.baseUrl,
      now: this.now,
    });
    this.objectsDir = join(options.dir, 'objects');
    this.metaDir = join(options.dir, 'meta');
    this.tmpDir = join(options.dir, 'tmp');
  }

  async init(): Promise<void> {
    await Promise.all(
      [this.objectsDir, this.metaDir, this.tmpDir].map((dir) => mkdir(dir, { recursive: true })),
    );
  }

  async presignUpload(request: PresignUploadRequest): Promise<PresignedUpload> {
    assertValidObjectKey(request.key);
    assertMaxBytes(request.maxBytes);
    assertPositiveSeconds(request.expiresInSeconds, MAX_EXPIRY_SECONDS);
    if (request.contentType !== undefined) assertContentType(request.contentType);
    const expiresAt = new Date(this.now().getTime() + request.expiresInSeconds * 1000);
    const url = this.signer.sign({
      method: 'PUT',
      key: request.key,
      expiresAt,
      maxBytes: request.maxBytes,
      contentType: request.contentType,
    });
    return {
      bucket: this.bucket,
      key: request.key,
      url,
      method: 'PUT',
      headers: request.contentType ? { 'Content-Type': request.contentType } : {},
      fields: {},
      expiresAt,
      maxBytes: request.maxBytes,
      sizeLimitEnforced: true,
    };
  }

  async presignDownload(request: PresignDownloadRequest): Promise<string> {
    assertValidObjectKey(request.key);
    assertPositiveSeconds(request.expiresInSeconds, MAX_EXPIRY_SECONDS);
    if (request.contentType !== undefined) assertContentType(request.contentType);
    return this.signer.sign({
      method: 'GET',
      key: request.key,
      expiresAt: new Date(this.now().getTime() + request.expiresInSeconds * 1000),
      contentType: request.contentType,
      filename: request.filename,
    });
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions): Promise<PutResult> {
    assertValidObjectKey(key);
    assertContentType(options.contentType);
    if (options.maxBytes !== undefined && Buffer.isBuffer(body) && body.length > options.maxBytes) {
      throw payloadTooLarge(options.maxBytes);
    }
    const tmpData = join(this.tmpDir, `${randomUUID()}.data`);
    const tmpMeta = join(this.tmpDir, `${randomUUID()}.meta`);
    try {
      const written = Buffer.isBuffer(body)
        ? await this.writeBuffer(tmpData, body)
        : await this.writeStream(tmpData, body, options.maxBytes);
      const meta: ObjectMeta = { contentType: options.contentType, ...written };
      await this.writeDurably(tmpMeta, JSON.stringify(meta));

      const dataPath = this.dataPath(key);
      const metaPath = this.metaPath(key);
      // Meta first: an object is visible once its data file exists, and then its meta is already there.
      await this.renameInto(tmpMeta, metaPath);
      await this.renameInto(tmpData, dataPath);
      await Promise.all([fsyncPath(dirname(metaPath)), fsyncPath(dirname(dataPath))]);
      return { key, size: meta.size, etag: meta.etag };
    } catch (error) {
      if (!Buffer.isBuffer(body)) body.destroy();
      await Promise.all([unlink(tmpData).catch(() => undefined), unlink(tmpMeta).catch(() => undefined)]);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidObjectKey(key);
    let handle: FileHandle;
    try {
      handle = await open(this.dataPath(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw LookalikeError.notFound('object', key);
      throw error;
    }
    return handle.createReadStream();
  }

  async getBuffer(key: string, options: { maxBytes: number }): Promise<Buffer> {
    const info = await this.head(key);
    if (!info) throw LookalikeError.notFound('object', key);
    if (info.size > options.maxBytes) throw payloadTooLarge(options.maxBytes);
    return readLimited(await this.get(key), options.maxBytes);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidObjectKey(key);
    let size: number;
    let lastModified: Date;
    try {
      const stats = await stat(this.dataPath(key));
      if (!stats.isFile()) return null;
      size = stats.size;
      lastModified = stats.mtime;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    const meta = await this.readMeta(key);
    // A meta file that does not match the data (a put interrupted between its two renames) is ignored.
    const matches = meta !== null && meta.size === size;
    return {
      key,
      size,
      contentType: matches ? meta.contentType : 'application/octet-stream',
      etag: matches ? meta.etag : `${size.toString(16)}-${lastModified.getTime().toString(16)}`,
      lastModified,
    };
  }

  async delete(key: string): Promise<void> {
    assertValidObjectKey(key);
    for (const path of [this.dataPath(key), this.metaPath(key)]) {
      await unlink(path).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectListing> {
    if (prefix !== '' && !/^[A-Za-z0-9._/-]+$/.test(prefix)) {
      throw LookalikeError.invalid('list prefix is malformed', { prefix: prefix.slice(0, 200) });
    }
    const slash = prefix.lastIndexOf('/');
    const startDir = slash >= 0 ? prefix.slice(0, slash) : '';
    if (startDir.split('/').some((segment) => segment === '..' || segment === '.')) {
      throw LookalikeError.invalid('list prefix is malformed', { prefix });
    }
    yield* this.walk(startDir, prefix);
  }

  /** Gateway side of a presigned upload: checks the signature and limits, then stores the body. */
  async acceptSignedUpload(request: {
    key: string;
    query: QueryInput;
    contentType?: string;
    contentLength?: number;
    body: Readable | Buffer;
  }): Promise<PutResult> {
    const grant = this.signer.verify({ method: 'PUT', key: request.key, query: request.query });
    const sent = request.contentType?.trim();
    if (grant.contentType !== undefined && sent?.toLowerCase() !== grant.contentType.toLowerCase()) {
      throw new LookalikeError(
        ErrorCode.PermissionDenied,
        'upload content type differs from the signed one',
        {
          details: { expected: grant.contentType },
        },
      );
    }
    if (
      grant.maxBytes !== undefined &&
      request.contentLength !== undefined &&
      request.contentLength > grant.maxBytes
    ) {
      throw payloadTooLarge(grant.maxBytes);
    }
    return this.put(request.key, request.body, {
      contentType:
        grant.contentType ?? (sent && CONTENT_TYPE_PATTERN.test(sent) ? sent : 'application/octet-stream'),
      maxBytes: grant.maxBytes,
    });
  }

  /** Gateway side of a presigned download: checks the signature, then opens the object. */
  /**
   * Opens a signed download. `range`, given the object's size, names the bytes wanted (inclusive),
   * `null` for a range the object cannot satisfy, or undefined for the whole object (players seek
   * in videos with ranges).
   */
  async openSignedDownload(request: {
    key: string;
    query: QueryInput;
    range?: (size: number) => { start: number; end: number } | null | undefined;
  }): Promise<SignedDownload> {
    const grant = this.signer.verify({ method: 'GET', key: request.key, query: request.query });
    const info = await this.head(request.key);
    if (!info) throw LookalikeError.notFound('object', request.key);
    const range = request.range?.(info.size);
    return {
      stream:
        range === null
          ? Readable.from([])
          : createReadStream(this.dataPath(request.key), range ? { start: range.start, end: range.end } : {}),
      size: info.size,
      ...(range ? { range } : {}),
      ...(range === null ? { unsatisfiable: true } : {}),
      contentType: grant.contentType ?? info.contentType,
      etag: info.etag,
      contentDisposition: grant.filename === undefined ? undefined : attachmentDisposition(grant.filename),
    };
  }

  private async *walk(relativeDir: string, prefix: string): AsyncGenerator<ObjectListing> {
    let entries;
    try {
      entries = await readdir(join(this.objectsDir, relativeDir), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    // Sorting directories as "name/" gives the same order as comparing whole keys.
    const named = entries
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { entry } of named) {
      const key = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (prefix.startsWith(`${key}/`) || `${key}/`.startsWith(prefix)) yield* this.walk(key, prefix);
        continue;
      }
      if (!key.startsWith(prefix)) continue;
      const stats = await stat(join(this.objectsDir, key)).catch((error: unknown) => {
        if (isMissing(error)) return null;
        throw error;
      });
      if (stats) yield { key, size: stats.size, lastModified: stats.mtime };
    }
  }

  private async readMeta(key: string): Promise<ObjectMeta | null> {
    try {
      const parsed = JSON.parse(await readFile(this.metaPath(key), 'utf8')) as Partial<ObjectMeta>;
      if (
        typeof parsed.contentType !== 'string' ||
        typeof parsed.size !== 'number' ||
        typeof parsed.etag !== 'string'
      ) {
        return null;
      }
      return { contentType: parsed.contentType, size: parsed.size, etag: parsed.etag };
    } catch (error) {
      if (isMissing(error) || error instanceof SyntaxError) return null;
      throw error;
    }
  }

  /**
   * A body already in memory (thumbnails, local features, most uploads) is hashed and written in
   * one go: one open, write and fsync, where the stream path also pipes, taps and reopens the file
   * to fsync it (docs/ingest.md, "Creating files").
   */
  private async writeBuffer(path: string, body: Buffer): Promise<{ size: number; etag: string }> {
    await this.writeDurably(path, body);
    return { size: body.length, etag: createHash('md5').update(body).digest('hex') };
  }

  private async writeStream(
    path: string,
    body: Readable,
    maxBytes: number | undefined,
  ): Promise<{ size: number; etag: string }> {
    const tap = new Md5Tap();
    const limited = maxBytes === undefined ? body : body.pipe(new ByteLimit(maxBytes));
    if (limited !== body) body.on('error', (error) => limited.destroy(error));
    await pipeline(limited, tap, createWriteStream(path, { flags: 'wx' }));
    await fsyncPath(path);
    return { size: tap.size, etag: tap.digest() };
  }

  /**
   * Renames a temp file to its place, making the directory the first time it is needed. Directories
   * known to exist are remembered, which saves two calls per write; one removed behind the store's
   * back is made again when the rename finds it missing.
   */
  private async renameInto(from: string, to: string): Promise<void> {
    const dir = dirname(to);
    if (!this.knownDirs.has(dir)) await this.makeDir(dir);
    try {
      await rename(from, to);
    } catch (error) {
      if (!isMissing(error)) throw error;
      await this.makeDir(dir);
      await rename(from, to);
    }
  }

  private async makeDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    if (this.knownDirs.size >= MAX_KNOWN_DIRS) this.knownDirs.clear();
    this.knownDirs.add(dir);
  }

  private async writeDurably(path: string, content: string | Buffer): Promise<void> {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private dataPath(key: string): string {
    return join(this.objectsDir, ...key.split('/'));
  }

  private metaPath(key: string): string {
    return `${join(this.metaDir, ...key.split('/'))}.json`;
  }
}
