import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';
import { APP_CONFIG } from '@lookalike/config';
import {
  createRemoteJWKSet,
  importSPKI,
  JWTPayload,
  jwtVerify,
  SignJWT,
  CryptoKey,
  JWTVerifyGetKey,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { Caller } from './caller';
import { DevKeyRepository, DevSigningKey } from './dev-key.repository';
import type { GatewayConfig } from '../gateway.config';

export const DEV_ISSUER = 'lookalike-dev';
export const DEV_AUDIENCE = 'lookalike';

const userIdPattern = /^[A-Za-z0-9._@-]{1,128}$/;

/** A verified token is trusted from the cache for at most this long (a removed JWKS key bites then). */
const VERIFIED_TTL_CAP_MS = 5 * 60_000;

interface Verifier {
  issuer: string;
  audience: string;
  algorithms: string[];
  key: CryptoKey | JWTVerifyGetKey;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/**
 * Bearer-token authentication with jose. Production tokens are verified against a JWKS URL
 * or a configured public key with issuer and audience checks; the embedded default adds
 * dev-login tokens signed by a key the gateway generated on first start.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  private readonly verifiers: Verifier[] = [];
  private devKey?: DevSigningKey;
  /**
   * Tokens already verified, until their `exp` (at most VERIFIED_TTL_CAP_MS): a client sends the
   * same token with every request, and an ES256/RS256 check costs more than the rest of the guard.
   */
  private readonly verified?: LRUCache<string, JWTPayload>;

  constructor(@Inject(APP_CONFIG) private readonly config: GatewayConfig) {
    if (config.AUTH_TOKEN_CACHE_SIZE > 0) this.verified = new LRUCache({ max: config.AUTH_TOKEN_CACHE_SIZE });
  }

  async onModuleInit(): Promise<void> {
    const algorithms = this.config.JWT_ALGORITHMS.split(',').map((a) => a.trim());
    const issuer = this.config.JWT_ISSUER ?? '';
    const audience = this.config.JWT_AUDIENCE ?? '';
    if (this.config.JWT_JWKS_URL) {
      this.verifiers.push({
        issuer,
        audience,
        algorithms,
        key: createRemoteJWKSet(new URL(this.config.JWT_JWKS_URL)),
      });
    }
    if (this.config.JWT_PUBLIC_KEY) {
      const pem = this.config.JWT_PUBLIC_KEY.replace(/\\n/g, '\n');
      for (const alg of algorithms) {
        try {
          this.verifiers.push({ issuer, audience, algorithms: [alg], key: await importSPKI(pem, alg) });
        } catch {
          // A key serves only the algorithms of its type (RSA or EC); the others are skipped.
        }
      }
    }
    if (this.config.AUTH_DEV_LOGIN) {
      this.devKey = await new DevKeyRepository(this.config.LOOKALIKE_DATA_DIR).loadOrCreate();
      this.verifiers.push({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        algorithms: ['ES256'],
        key: this.devKey.publicKey,
      });
    }
  }

  get devLoginEnabled(): boolean {
    return this.devKey !== undefined;
  }

  async devLogin(userId: string): Promise<IssuedToken> {
    if (!this.devKey) {
      throw new LookalikeError(
        ErrorCode.NotFound,
        'dev login is disabled on this deployment (AUTH_DEV_LOGIN=false)',
      );
    }
    if (!userIdPattern.test(userId)) {
      throw LookalikeError.invalid('user_id must be 1-128 characters of letters, digits, . _ @ -');
    }
    const ttl = this.config.DEV_TOKEN_TTL_SECONDS;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: this.devKey.kid })
      .setSubject(userId)
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttl}s`)
      .sign(this.devKey.privateKey);
    return { access_token: token, token_type: 'Bearer', expires_in: ttl };
  }

  async verify(authorization: string | undefined): Promise<Caller> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) {
      throw new LookalikeError(
        ErrorCode.Unauthenticated,
        'a bearer token is required (Authorization: Bearer <token>)',
      );
    }
    const payload = await this.verifyToken(match[1]);
    const userId = payload.sub;
    if (!userId || !userIdPattern.test(userId)) {
      throw new LookalikeError(ErrorCode.Unauthenticated, 'the token has no usable subject');
    }
    const tenantClaim = this.config.JWT_TENANT_CLAIM;
    const tenant = tenantClaim ? payload[tenantClaim] : undefined;
    const ownerUserId = typeof tenant === 'string' && userIdPattern.test(tenant) ? tenant : userId;
    return { ownerUserId, userId };
  }

  private async verifyToken(token: string): Promise<JWTPayload> {
    const cached = this.verified?.get(token);
    if (cached) return cached;
    for (const verifier of this.verifiers) {
      try {
        const { payload } = await jwtVerify(token, verifier.key as CryptoKey, {
          issuer: verifier.issuer,
          audience: verifier.audience,
          algorithms: verifier.algorithms,
        });
        this.remember(token, payload);
        return payload;
      } catch {
        // Try the next configured verifier; the caller learns only that the token is not valid.
      }
    }
    throw new LookalikeError(ErrorCode.Unauthenticated, 'the bearer token is invalid or expired');
  }

  /** Tokens without an expiry are verified every time. */
  private remember(token: string, payload: JWTPayload): void {
    if (!this.verified || typeof payload.exp !== 'number') return;
    const ttl = Math.min(payload.exp * 1000 - Date.now(), VERIFIED_TTL_CAP_MS);
    if (ttl > 0) this.verified.set(token, payload, { ttl });
  }
}
