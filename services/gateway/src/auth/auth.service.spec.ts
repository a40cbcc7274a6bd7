import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lookalike/config';
import { SignJWT } from 'jose';
import { gatewayEnvSchema } from '../gateway.config';
import { AuthService, DEV_AUDIENCE, DEV_ISSUER } from './auth.service';
import { DevKeyRepository } from './dev-key.repository';

describe('AuthService', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-spec-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function service(cacheSize: number): Promise<AuthService> {
    const config = loadConfig(gatewayEnvSchema, {
      AUTH_DEV_LOGIN: 'true',
      LOOKALIKE_DATA_DIR: dir,
      AUTH_TOKEN_CACHE_SIZE: String(cacheSize),
    });
    const auth = new AuthService(config);
    await auth.onModuleInit();
    return auth;
  }

  /** A dev token that expires `seconds` from now (dev login itself issues at least a minute). */
  async function shortToken(seconds: number): Promise<string> {
    const key = await new DevKeyRepository(dir).loadOrCreate();
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setSubject('alice')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
      .sign(key.privateKey);
  }

  it.each([0, 100])('accepts a valid token again and again (cache size %i)', async (size) => {
    const auth = await service(size);
    const { access_token: token } = await auth.devLogin('alice');
    for (let i = 0; i < 3; i += 1) {
      await expect(auth.verify(`Bearer ${token}`)).resolves.toEqual({
        ownerUserId: 'alice',
        userId: 'alice',
      });
    }
  });

  it('refuses a tampered token even after the genuine one was cached', async () => {
    const auth = await service(100);
    const { access_token: token } = await auth.devLogin('alice');
    await auth.verify(`Bearer ${token}`);
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: 'mallory', iss: DEV_ISSUER, aud: DEV_AUDIENCE }),
    ).toString('base64url');
    await expect(auth.verify(`Bearer ${header}.${forged}.${signature}`)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    expect(payload).not.toBe(forged);
  });

  it('stops accepting a cached token at its expiry', async () => {
    const auth = await service(100);
    const token = await shortToken(2);
    await expect(auth.verify(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'alice' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expect(auth.verify(`Bearer ${token}`)).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
