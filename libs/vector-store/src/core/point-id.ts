import { createHash } from 'node:crypto';
import { LookalikeError } from '@lookalike/contracts';

/** Fixed namespace of Lookalike point ids (a random v4 UUID, never to change). */
const NAMESPACE = Buffer.from('6f1c6f3e9d2a4b7e8c5a0e4d2b9f7a13', 'hex');

/**
 * The point id of an image: a name-based UUID (RFC 9562 version 5, SHA-1) of the owner and
 * the lower-case content hash, so a replayed ingest overwrites the same point and two tenants
 * holding the same bytes get two points.
 */
export function pointIdFor(owner: string, sha256: string): string {
  if (typeof owner !== 'string' || owner.length === 0) throw LookalikeError.invalid('owner is required');
  if (typeof sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw LookalikeError.invalid('sha256 must be 64 hexadecimal digits', { sha256 });
  }
  // A NUL separator keeps ("ab", "c...") and ("a", "bc...") apart.
  const digest = createHash('sha1')
    .update(NAMESPACE)
    .update(`${owner}\u0000${sha256.toLowerCase()}`, 'utf8')
    .digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
