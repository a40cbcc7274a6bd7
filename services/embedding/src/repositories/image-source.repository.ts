/**
 * Where `{bucket, key}` image references are read from (the object store, claim check). The module
 * backs it with @lookalike/object-store; tests use an in-memory map.
 */
export interface ImageSourceRepository {
  /**
   * The object's bytes. Throws LookalikeError `not_found` for a missing object and
   * `payload_too_large` when it is larger than `maxBytes` (checked before reading it all).
   */
  getBuffer(bucket: string, key: string, maxBytes: number): Promise<Buffer>;
}

export const IMAGE_SOURCE_REPOSITORY = Symbol('ImageSourceRepository');
