import { ErrorCode } from '@lookalike/contracts';
import { assertKeyInTenant, derivedObjectKey, generateObjectKey, isValidObjectKey } from './object-key';

describe('generateObjectKey', () => {
  it('builds <tenant>/<yyyy>/<mm>/<ulid>.<ext> with the UTC month', () => {
    const key = generateObjectKey('acme', 'PNG', new Date('2026-01-31T23:30:00-05:00'));
    expect(key).toMatch(/^acme\/2026\/02\/[0-9A-HJKMNP-TV-Z]{26}\.png$/);
  });

  it('gives distinct, time-ordered keys', () => {
    const early = generateObjectKey('acme', 'jpg', new Date('2026-03-01T00:00:00Z'));
    const late = generateObjectKey('acme', 'jpg', new Date('2026-03-01T00:00:01Z'));
    expect(early < late).toBe(true);
    expect(generateObjectKey('acme', 'jpg')).not.toBe(generateObjectKey('acme', 'jpg'));
  });

  it.each(['', '..', 'a/b', 'a b', 'x'.repeat(129), 'é'])('refuses the tenant %p', (tenant) => {
    expect(() => generateObjectKey(tenant, 'png')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });

  it.each(['', 'p.ng', 'png/', 'abcdefghijk'])('refuses the extension %p', (ext) => {
    expect(() => generateObjectKey('acme', ext)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});

describe('assertKeyInTenant', () => {
  it('accepts a key under the tenant prefix', () => {
    expect(() => assertKeyInTenant('acme', generateObjectKey('acme', 'png'))).not.toThrow();
  });

  it.each([
    ['another tenant', 'acme2/2026/01/x.png'],
    ['a tenant whose name extends ours', 'acme-evil/2026/01/x.png'],
    ['a parent segment', 'acme/../other/x.png'],
    ['a dot segment', 'acme/./x.png'],
    ['an absolute path', '/acme/x.png'],
    ['an empty segment', 'acme//x.png'],
    ['a backslash', 'acme/..\\x.png'],
    ['a percent escape', 'acme/%2e%2e/x.png'],
    ['a NUL byte', 'acme/x\0.png'],
    ['the bare prefix', 'acme'],
  ])('refuses %s', (_label, key) => {
    expect(() => assertKeyInTenant('acme', key)).toThrow(
      expect.objectContaining({ code: ErrorCode.PermissionDenied }),
    );
  });

  it('refuses any key for a malformed tenant', () => {
    expect(() => assertKeyInTenant('..', '../x.png')).toThrow(
      expect.objectContaining({ code: ErrorCode.PermissionDenied }),
    );
  });
});

describe('derivedObjectKey', () => {
  it('keeps a derived object beside its source, inside the tenant prefix', () => {
    const key = 'acme/2026/05/01J0000000000000000000000.jpg';
    const thumb = derivedObjectKey(key, 'thumb256', 'webp');
    expect(thumb).toBe('acme/2026/05/01J0000000000000000000000.thumb256.webp');
    expect(isValidObjectKey(thumb)).toBe(true);
    expect(() => assertKeyInTenant('acme', thumb)).not.toThrow();
  });
});
