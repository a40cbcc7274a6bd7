import { ErrorCode } from '@lookalike/contracts';
import { LocalUrlSigner } from './local-url.signer';

const key = 'acme/2026/05/01J0000000000000000000000.png';
const denied = expect.objectContaining({ code: ErrorCode.PermissionDenied });

function signer(now = new Date('2026-05-01T12:00:00Z')): LocalUrlSigner {
  return new LocalUrlSigner({
    signingKey: 'k'.repeat(32),
    baseUrl: 'http://gw.test/api/objects/',
    now: () => now,
  });
}

describe('LocalUrlSigner', () => {
  const expiresAt = new Date('2026-05-01T12:05:00Z');

  it('round-trips a grant through a URL under the base', () => {
    const url = signer().sign({ method: 'PUT', key, expiresAt, maxBytes: 1000, contentType: 'image/png' });
    expect(url.startsWith(`http://gw.test/api/objects/${key}?`)).toBe(true);
    expect(signer().verifyUrl('PUT', url)).toEqual({
      method: 'PUT',
      key,
      expiresAt,
      maxBytes: 1000,
      contentType: 'image/png',
      filename: undefined,
    });
  });

  it('treats HEAD as GET', () => {
    const url = signer().sign({ method: 'GET', key, expiresAt });
    expect(signer().verifyUrl('HEAD', url).method).toBe('GET');
  });

  it.each([
    ['the signature', (u: URL) => u.searchParams.set('sig', `${u.searchParams.get('sig')?.slice(0, -1)}A`)],
    ['the expiry', (u: URL) => u.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 1))],
    ['the size limit', (u: URL) => u.searchParams.set('max', '1001')],
    ['the content type', (u: URL) => u.searchParams.set('ct', 'text/html')],
    ['an added file name', (u: URL) => u.searchParams.set('fn', 'x.html')],
    ['a removed size limit', (u: URL) => u.searchParams.delete('max')],
    ['a repeated parameter', (u: URL) => u.searchParams.append('max', '1000')],
    ['the key', (u: URL) => (u.pathname = u.pathname.replace('acme', 'acme2'))],
  ])('refuses a URL with a changed %s', (_label, change) => {
    const url = new URL(
      signer().sign({ method: 'PUT', key, expiresAt, maxBytes: 1000, contentType: 'image/png' }),
    );
    change(url);
    expect(() => signer().verifyUrl('PUT', url)).toThrow(denied);
  });

  it('refuses another method, a URL signed with another key, and one past its expiry', () => {
    const url = signer().sign({ method: 'GET', key, expiresAt });
    expect(() => signer().verifyUrl('PUT', url)).toThrow(denied);
    const other = new LocalUrlSigner({ signingKey: 'j'.repeat(32), baseUrl: 'http://gw.test/api/objects' });
    expect(() => other.verifyUrl('GET', url)).toThrow(denied);
    expect(() => signer(new Date('2026-05-01T12:05:00Z')).verifyUrl('GET', url)).not.toThrow();
    expect(() => signer(new Date('2026-05-01T12:05:01Z')).verifyUrl('GET', url)).toThrow(denied);
  });

  it('refuses a signing key shorter than 32 bytes', () => {
    expect(() => new LocalUrlSigner({ signingKey: 'short', baseUrl: 'http://gw.test' })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});
