import { ErrorCode, LookalikeError, newUlid } from '@lookalike/contracts';

const TENANT_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
const EXTENSION_PATTERN = /^[a-z0-9]{1,10}$/;
const SEGMENT_PATTERN = /^[A-Za-z0-9._-]+$/;
const MAX_KEY_LENGTH = 1024;

/** Tenant ids become the first key segment and a directory name, so they are kept to a safe alphabet. */
export function isValidTenant(tenant: string): boolean {
  return TENANT_PATTERN.test(tenant) && tenant !== '.' && tenant !== '..';
}

export function assertValidTenant(tenant: string): void {
  if (!isValidTenant(tenant)) {
    throw LookalikeError.invalid('tenant id must be 1-128 characters of A-Z a-z 0-9 . _ -', { tenant });
  }
}

/**
 * A key is relative, made of non-empty segments of a safe alphabet, with no "." or ".." segment,
 * so it can be used as a path below the data directory and as an S3 key without escaping surprises.
 */
export function isValidObjectKey(key: string): boolean {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  return key
    .split('/')
    .every((segment) => SEGMENT_PATTERN.test(segment) && segment !== '.' && segment !== '..');
}

/** For adapters: a malformed key is the caller's mistake (invalid_argument). */
export function assertValidObjectKey(key: string): void {
  if (!isValidObjectKey(key)) {
    throw LookalikeError.invalid('object key is malformed', { key: key.slice(0, 200) });
  }
}

/** `<tenant>/<yyyy>/<mm>/<ulid>.<ext>`, month in UTC; the ULID keeps keys unique and time-ordered. */
export function generateObjectKey(tenant: string, ext: string, now: Date = new Date()): string {
  assertValidTenant(tenant);
  const extension = ext.replace(/^\./, '').toLowerCase();
  if (!EXTENSION_PATTERN.test(extension)) {
    throw LookalikeError.invalid('file extension must be 1-10 characters of a-z 0-9', { ext });
  }
  const year = String(now.getUTCFullYear()).padStart(4, '0');
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return `${tenant}/${year}/${month}/${newUlid(now.getTime())}.${extension}`;
}

/**
 * A key for something derived from an object (a thumbnail, say) that stays beside it, inside the
 * same tenant prefix: `t/2026/05/01J...webp` + ('thumb256', 'webp') -> `t/2026/05/01J....thumb256.webp`.
 */
export function derivedObjectKey(key: string, variant: string, ext: string): string {
  assertValidObjectKey(key);
  if (!/^[a-z0-9-]{1,32}$/.test(variant) || !EXTENSION_PATTERN.test(ext)) {
    throw LookalikeError.invalid('variant or extension is malformed', { variant, ext });
  }
  const slash = key.lastIndexOf('/');
  const name = key.slice(slash + 1);
  const dot = name.indexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${key.slice(0, slash + 1)}${stem}.${variant}.${ext}`;
}

/**
 * Refuses (permission_denied) any key the tenant may not touch: outside `<tenant>/`, or malformed
 * in a way that could escape the prefix ("..", absolute paths, odd characters).
 */
export function assertKeyInTenant(tenant: string, key: string): void {
  if (!isValidTenant(tenant) || !isValidObjectKey(key) || !key.startsWith(`${tenant}/`)) {
    throw new LookalikeError(ErrorCode.PermissionDenied, 'object key is outside the caller tenant', {
      details: { key: key.slice(0, 200) },
    });
  }
}
