import type { FileHandle } from 'node:fs/promises';

/** What the local store keeps about an object besides its bytes. */
export interface ObjectMeta {
  contentType: string;
  /** The object's bytes, the trailer not counted. */
  size: number;
  etag: string;
}

/*
 * A local object is one file: its bytes, then its meta as JSON, the JSON's length (uint32, big
 * endian) and a fixed mark. One file per object means one inode per put: creating a file was the
 * dearest file call of an upload on the benchmark machine (docs/storage.md, "Local adapter layout and atomicity"),
 * and the meta used to be a second file. Files written before 7 Dec 2026 have no trailer; their
 * meta is a sidecar file, which the store still reads.
 */
const MARK = Buffer.from('\nlookalike-object-1\n', 'latin1');
const LENGTH_BYTES = 4;
const FIXED = LENGTH_BYTES + MARK.length;
const MAX_META_BYTES = 4096;
// One read at the end of the file holds the mark and, for any meta the store writes, the JSON too.
const TAIL_READ = 512;

/** The bytes written after an object's data. */
export function metaTrailer(meta: ObjectMeta): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const trailer = Buffer.alloc(json.length + FIXED);
  json.copy(trailer, 0);
  trailer.writeUInt32BE(json.length, json.length);
  MARK.copy(trailer, json.length + LENGTH_BYTES);
  return trailer;
}

/** The meta JSON of a trailer or a sidecar file, or null when it is not the store's. */
export function parseMeta(json: string): ObjectMeta | null {
  let parsed: Partial<ObjectMeta>;
  try {
    parsed = JSON.parse(json) as Partial<ObjectMeta>;
  } catch {
    return null;
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    typeof parsed.contentType !== 'string' ||
    typeof parsed.size !== 'number' ||
    typeof parsed.etag !== 'string'
  ) {
    return null;
  }
  return { contentType: parsed.contentType, size: parsed.size, etag: parsed.etag };
}

/**
 * The meta at the end of an object file of `fileSize` bytes, or null when the file has no trailer
 * (or one that does not describe it: the size in the meta must be the bytes before the trailer).
 */
export async function readMetaTrailer(handle: FileHandle, fileSize: number): Promise<ObjectMeta | null> {
  if (fileSize < FIXED) return null;
  const tailLength = Math.min(fileSize, TAIL_READ);
  const tail = await readAt(handle, tailLength, fileSize - tailLength);
  if (!tail.subarray(tailLength - MARK.length).equals(MARK)) return null;
  const length = tail.readUInt32BE(tailLength - FIXED);
  if (length > MAX_META_BYTES || length + FIXED > fileSize) return null;
  const json =
    length + FIXED <= tailLength
      ? tail.subarray(tailLength - FIXED - length, tailLength - FIXED)
      : await readAt(handle, length, fileSize - FIXED - length);
  const meta = parseMeta(json.toString('utf8'));
  return meta !== null && meta.size === fileSize - FIXED - length ? meta : null;
}

/** `length` bytes from `position`; fewer only if the file is shorter. */
export async function readAt(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}
