import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, JWK, CryptoKey } from 'jose';

export interface DevSigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
}

const ALG = 'ES256';

/** The dev-login signing key: generated on first start and kept in the data directory. */
export class DevKeyRepository {
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'gateway', 'dev-signing-key.jwk.json');
  }

  async loadOrCreate(): Promise<DevSigningKey> {
    const stored = await this.read();
    if (stored) {
      return stored;
    }
    const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = `dev-${Date.now().toString(36)}`;
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ ...jwk, kid, alg: ALG }), { mode: 0o600 });
    await rename(temp, this.path);
    return { privateKey, publicKey, kid };
  }

  private async read(): Promise<DevSigningKey | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
    const jwk = JSON.parse(text) as JWK & { kid: string };
    const { d: _private, ...publicJwk } = jwk;
    return {
      privateKey: (await importJWK(jwk, ALG)) as CryptoKey,
      publicKey: (await importJWK(publicJwk, ALG)) as CryptoKey,
      kid: jwk.kid,
    };
  }
}
