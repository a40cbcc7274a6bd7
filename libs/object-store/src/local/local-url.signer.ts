import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isValidObjectKey } from '../object-key';

export type SignedMethod = 'GET' | 'PUT';

/** What a signed URL allows: one method on one key until expiresAt, within the signed limits. */
export interface SignedGrant {
  method: SignedMethod;
  key: string;
  expiresAt: Date;
  maxBytes?: number;
  contentType?: string;
  filename?: string;
}

export type QueryInput = URLSearchParams | Record<string, string | string[] | undefined>;

export interface LocalUrlSignerOptions {
  /** HMAC key; at least 32 bytes of secret material. */
  signingKey: string | Buffer;
  /** Where the gateway serves objects, e.g. http://127.0.0.1:8080/api/objects */
  baseUrl: string;
  now?: () => Date;
}

const SIGNATURE_VERSION = 'v1';

function denied(reason: string): LookalikeError {
  return new LookalikeError(ErrorCode.PermissionDenied, `signed URL refused: ${reason}`, {
    details: { reason },
  });
}

function single(query: QueryInput, name: string): string | undefined {
  if (query instanceof URLSearchParams) {
    const all = query.getAll(name);
    if (all.length > 1) throw denied(`parameter ${name} repeated`);
    return all[0];
  }
  const value = query[name];
  if (Array.isArray(value)) throw denied(`parameter ${name} repeated`);
  return value;
}

/**
 * Signs and checks the URLs the gateway serves for the local object store. The HMAC covers the
 * method, key, expiry and every limit, so changing any of them (or the signature) is refused.
 */
export class LocalUrlSigner {
  private readonly key: Buffer;
  private readonly base: URL;
  private readonly now: () => Date;

  constructor(options: LocalUrlSignerOptions) {
    this.key = Buffer.isBuffer(options.signingKey)
      ? options.signingKey
      : Buffer.from(options.signingKey, 'utf8');
    if (this.key.length < 32) {
      throw LookalikeError.invalid('object URL signing key must hold at least 32 bytes');
    }
    this.base = new URL(options.baseUrl.replace(/\/+$/, ''));
    this.now = options.now ?? (() => new Date());
  }

  sign(grant: SignedGrant): string {
    const exp = Math.floor(grant.expiresAt.getTime() / 1000);
    const params = new URLSearchParams();
    params.set('exp', String(exp));
    if (grant.maxBytes !== undefined) params.set('max', String(grant.maxBytes));
    if (grant.contentType !== undefined) params.set('ct', grant.contentType);
    if (grant.filename !== undefined) params.set('fn', grant.filename);
    params.set(
      'sig',
      this.mac(grant.method, grant.key, String(exp), params.get('max'), params.get('ct'), params.get('fn')),
    );
    const path = grant.key.split('/').map(encodeURIComponent).join('/');
    return `${this.base.href}/${path}?${params.toString()}`;
  }

  /** Checks a request for `key` with the given query; throws permission_denied unless it is allowed now. */
  verify(request: { method: string; key: string; query: QueryInput }): SignedGrant {
    const method = request.method.toUpperCase() === 'HEAD' ? 'GET' : request.method.toUpperCase();
    if (method !== 'GET' && method !== 'PUT') throw denied('method not allowed');
    if (!isValidObjectKey(request.key)) throw denied('malformed key');
    const exp = single(request.query, 'exp');
    const sig = single(request.query, 'sig');
    const max = single(request.query, 'max');
    const ct = single(request.query, 'ct');
    const fn = single(request.query, 'fn');
    if (!exp || !/^\d{1,12}$/.test(exp) || !sig) throw denied('missing signature');
    if (max !== undefined && !/^\d{1,15}$/.test(max)) throw denied('malformed size limit');
    const expected = Buffer.from(
      this.mac(method, request.key, exp, max ?? null, ct ?? null, fn ?? null),
      'utf8',
    );
    const given = Buffer.from(sig, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw denied('bad signature');
    const expiresAt = new Date(Number(exp) * 1000);
    if (this.now().getTime() > expiresAt.getTime()) throw denied('expired');
    return {
      method,
      key: request.key,
      expiresAt,
      maxBytes: max === undefined ? undefined : Number(max),
      contentType: ct,
      filename: fn,
    };
  }

  /** Same as verify, from a full URL (or a path with query) of this signer's base. */
  verifyUrl(method: string, url: string | URL): SignedGrant {
    const parsed = new URL(url, this.base);
    const prefix = `${this.base.pathname.replace(/\/+$/, '')}/`;
    if (!parsed.pathname.startsWith(prefix)) throw denied('not an object URL');
    let key: string;
    try {
      key = parsed.pathname.slice(prefix.length).split('/').map(decodeURIComponent).join('/');
    } catch {
      throw denied('malformed key');
    }
    return this.verify({ method, key, query: parsed.searchParams });
  }

  private mac(
    method: string,
    key: string,
    exp: string,
    max: string | null,
    ct: string | null,
    fn: string | null,
  ): string {
    // JSON keeps the fields unambiguous even when a filename holds separators.
    const canonical = JSON.stringify([SIGNATURE_VERSION, method, key, exp, max, ct, fn]);
    return createHmac('sha256', this.key).update(canonical).digest('base64url');
  }
}
