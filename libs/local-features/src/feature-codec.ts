import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { derivedObjectKey } from '@lookalike/object-store';
import { ORB_DESCRIPTOR_BYTES, type KeypointSet, type LocalFeatures } from './local-features';

/** Format tag and version of a stored feature file; a new layout takes a new tag. */
const MAGIC = 'LKF1';
const HEADER_BYTES = 20;

/** Content type of a stored feature file. */
export const LOCAL_FEATURES_MIME = 'application/vnd.lookalike.local-features.v1';

/** Where an image's feature file lives: beside its thumbnails, derived from its object key. */
export function localFeaturesKey(imageKey: string): string {
  return derivedObjectKey(imageKey, 'features', 'lkf');
}

function setBytes(set: KeypointSet): number {
  return set.count * (8 + ORB_DESCRIPTOR_BYTES);
}

/**
 * One image's features as a little-endian file: `LKF1`, the grey size, the thumbnail size, the
 * keypoint counts, then the thumbnail pixels and, per orientation, float32 x/y pairs and the
 * descriptors. 500 keypoints per orientation make about 40 kB plus a 160 px thumbnail.
 */
export function encodeLocalFeatures(f: LocalFeatures): Buffer {
  const thumbBytes = f.thumb.width * f.thumb.height;
  const thumbPadded = Math.ceil(thumbBytes / 4) * 4;
  const out = Buffer.alloc(HEADER_BYTES + thumbPadded + setBytes(f.plain) + setBytes(f.mirrored));
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt16LE(f.width, 4);
  out.writeUInt16LE(f.height, 6);
  out.writeUInt16LE(f.thumb.width, 8);
  out.writeUInt16LE(f.thumb.height, 10);
  out.writeUInt32LE(f.plain.count, 12);
  out.writeUInt32LE(f.mirrored.count, 16);
  out.set(f.thumb.data.subarray(0, thumbBytes), HEADER_BYTES);
  let at = HEADER_BYTES + thumbPadded;
  for (const set of [f.plain, f.mirrored]) {
    for (let i = 0; i < set.count * 2; i += 1) at = out.writeFloatLE(set.points[i], at);
    out.set(set.descriptors.subarray(0, set.count * ORB_DESCRIPTOR_BYTES), at);
    at += set.count * ORB_DESCRIPTOR_BYTES;
  }
  return out;
}

function corrupt(why: string): LookalikeError {
  return new LookalikeError(ErrorCode.Internal, `stored local features are unreadable: ${why}`);
}

export function decodeLocalFeatures(bytes: Uint8Array): LocalFeatures {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 4) !== MAGIC) throw corrupt('not an LKF1 file');
  const width = buf.readUInt16LE(4);
  const height = buf.readUInt16LE(6);
  const tw = buf.readUInt16LE(8);
  const th = buf.readUInt16LE(10);
  const counts = [buf.readUInt32LE(12), buf.readUInt32LE(16)];
  const thumbPadded = Math.ceil((tw * th) / 4) * 4;
  const expected =
    HEADER_BYTES + thumbPadded + counts.reduce((s, c) => s + c * (8 + ORB_DESCRIPTOR_BYTES), 0);
  if (buf.length !== expected) throw corrupt(`${buf.length} bytes where the header implies ${expected}`);
  let at = HEADER_BYTES + thumbPadded;
  const sets = counts.map((count): KeypointSet => {
    const points = new Float32Array(count * 2);
    for (let i = 0; i < count * 2; i += 1, at += 4) points[i] = buf.readFloatLE(at);
    const descriptors = Uint8Array.from(buf.subarray(at, at + count * ORB_DESCRIPTOR_BYTES));
    at += count * ORB_DESCRIPTOR_BYTES;
    return { count, points, descriptors };
  });
  return {
    width,
    height,
    plain: sets[0],
    mirrored: sets[1],
    thumb: {
      width: tw,
      height: th,
      data: Uint8Array.from(buf.subarray(HEADER_BYTES, HEADER_BYTES + tw * th)),
    },
  };
}
