import { pointIdFor } from './point-id';

const SHA = 'a'.repeat(64);

describe('pointIdFor', () => {
  it('is a version 5, RFC 4122 variant UUID that depends only on owner and content hash', () => {
    const id = pointIdFor('alice', SHA);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointIdFor('alice', SHA.toUpperCase())).toBe(id);
    expect(pointIdFor('bob', SHA)).not.toBe(id);
    expect(pointIdFor('alice', 'b'.repeat(64))).not.toBe(id);
  });

  it('keeps owner and hash apart (no concatenation collisions)', () => {
    expect(pointIdFor('alice', SHA)).not.toBe(pointIdFor('alicea', SHA));
  });

  it('refuses a missing owner or a malformed hash', () => {
    expect(() => pointIdFor('', SHA)).toThrow(/owner/);
    expect(() => pointIdFor('alice', 'abc')).toThrow(/sha256/);
  });
});
