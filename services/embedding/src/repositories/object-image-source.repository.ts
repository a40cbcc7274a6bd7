import type { ObjectStore } from '@lookalike/object-store';
import type { ImageSourceRepository } from './image-source.repository';

/** Reads claim-checked images from the object store (the bucket is the store's own). */
export class ObjectImageSourceRepository implements ImageSourceRepository {
  constructor(private readonly store: ObjectStore) {}

  getBuffer(_bucket: string, key: string, maxBytes: number): Promise<Buffer> {
    return this.store.getBuffer(key, { maxBytes });
  }
}
