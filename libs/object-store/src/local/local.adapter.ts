import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type Stats } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ByteLimit,
  assertMaxBytes,
  assertPositiveSeconds,
  attachmentDisposition,
  payloadTooLarge,
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
import { metaTrailer, parseMeta, readAt, readMetaTrailer, type ObjectMeta } from './object-file';

export interface LocalObjectStoreOptions {
  /** Root of the store; objects/ and tmp/ are made below it (meta/ holds the sidecars of objects written before 7 Dec 2026). */
  dir: string;
  /** Where the gateway serves signed object URLs, e.g. http://127.0.0.1:8080/api/objects */
  baseUrl: string;
  signingKey: string | Buffer;
  /** Name reported as the bucket in presigned uploads and messages. */
  bucket?: string;
  now?: () => Date;
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

/** Writes `parts` one after the other into the file opened with `flags`, then fsyncs it. */
async function writeSynced(path: string, flags: 'wx' | 'a', parts: readonly Buffer[]): Promise<void> {
  const handle = await open(path, flags);
  try {
    for (const part of parts) await handle.writeFile(part);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Objects as files under a data directory, for the embedded run mode: one file per object, its
 * bytes followed by its meta (object-file.ts). Every write goes to a temp file that is fsynced and
 * renamed into place, so a reader sees the old object or the whole new one.
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
    await Promise.all([this.objectsDir, this.tmpDir].map((dir) => mkdir(dir, { recursive: true })));
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
    try {
      const meta = Buffer.isBuffer(body)
        ? await this.writeBuffer(tmpData, body, options.contentType)
        : await this.writeStream(tmpData, body, options.maxBytes, options.contentType);
      const dataPath = this.dataPath(key);
      await this.renameInto(tmpData, dataPath);
      await fsyncPath(dirname(dataPath));
      return { key, size: meta.size, etag: meta.etag };
    } catch (error) {
      if (!Buffer.isBuffer(body)) body.destroy();
      await unlink(tmpData).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidObjectKey(key);
    const opened = await this.openObject(key);
    if (!opened) throw LookalikeError.notFound('object', key);
    return this.streamOf(opened, { start: 0, end: opened.meta.size - 1 });
  }

  /** One open and one read: the size is checked against the trailer before the bytes are read. */
  async getBuffer(key: string, options: { maxBytes: number }): Promise<Buffer> {
    assertValidObjectKey(key);
    const opened = await this.openObject(key);
    if (!opened) throw LookalikeError.notFound('object', key);
    try {
      if (opened.meta.size > options.maxBytes) throw payloadTooLarge(options.maxBytes);
      return await readAt(opened.handle, opened.meta.size, 0);
    } finally {
      await opened.handle.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidObjectKey(key);
    const opened = await this.openObject(key);
    if (!opened) return null;
    await opened.handle.close();
    return { key, ...opened.meta, lastModified: opened.stats.mtime };
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
    const opened = await this.openObject(request.key);
    if (!opened) throw LookalikeError.notFound('object', request.key);
    const info = opened.meta;
    const range = request.range?.(info.size);
    return {
      stream: await this.streamOf(
        opened,
        range === null ? { start: 0, end: -1 } : (range ?? { start: 0, end: info.size - 1 }),
      ),
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
      const opened = await this.openObject(key);
      if (!opened) continue;
      await opened.handle.close();
      yield { key, size: opened.meta.size, lastModified: opened.stats.mtime };
    }
  }

  /** The sidecar meta file of an object written before the trailer (7 Dec 2026). */
  private async readMeta(key: string): Promise<ObjectMeta | null> {
    try {
      return parseMeta(await readFile(this.metaPath(key), 'utf8'));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /**
   * A body already in memory (thumbnails, local features, most uploads) is hashed and written with
   * its trailer in one go: one open, two writes and an fsync, where the stream path also pipes, taps
   * and reopens the file to append the trailer (docs/ingest.md, "Creating files").
   */
  private async writeBuffer(path: string, body: Buffer, contentType: string): Promise<ObjectMeta> {
    const meta = { contentType, size: body.length, etag: createHash('md5').update(body).digest('hex') };
    await writeSynced(path, 'wx', [body, metaTrailer(meta)]);
    return meta;
  }

  private async writeStream(
    path: string,
    body: Readable,
    maxBytes: number | undefined,
    contentType: string,
  ): Promise<ObjectMeta> {
    const tap = new Md5Tap();
    const limited = maxBytes === undefined ? body : body.pipe(new ByteLimit(maxBytes));
    if (limited !== body) body.on('error', (error) => limited.destroy(error));
    await pipeline(limited, tap, createWriteStream(path, { flags: 'wx' }));
    const meta = { contentType, size: tap.size, etag: tap.digest() };
    await writeSynced(path, 'a', [metaTrailer(meta)]);
    return meta;
  }

  /**
   * An object's file, open, with its meta: from the trailer, or for a file written before the
   * trailer from its sidecar (ignored when it does not match the data: an older put interrupted
   * between its two renames). Null when there is no such object. The caller closes the handle.
   */
  private async openObject(
    key: string,
  ): Promise<{ handle: FileHandle; meta: ObjectMeta; stats: Stats } | null> {
    let handle: FileHandle;
    try {
      handle = await open(this.dataPath(key), 'r');
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw error;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        return null;
      }
      const trailer = await readMetaTrailer(handle, stats.size);
      if (trailer) return { handle, meta: trailer, stats };
      const sidecar = await this.readMeta(key);
      const meta =
        sidecar !== null && sidecar.size === stats.size
          ? sidecar
          : {
              contentType: 'application/octet-stream',
              size: stats.size,
              etag: `${stats.size.toString(16)}-${stats.mtime.getTime().toString(16)}`,
            };
      return { handle, meta, stats };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The bytes `start`..`end` (inclusive) of an opened object; the stream closes the handle. */
  private async streamOf(
    opened: { handle: FileHandle },
    range: { start: number; end: number },
  ): Promise<Readable> {
    if (range.end < range.start) {
      await opened.handle.close();
      return Readable.from([]);
    }
    return opened.handle.createReadStream({ start: range.start, end: range.end });
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

  private dataPath(key: string): string {
    return join(this.objectsDir, ...key.split('/'));
  }

  private metaPath(key: string): string {
    return `${join(this.metaDir, ...key.split('/'))}.json`;
  }
}
