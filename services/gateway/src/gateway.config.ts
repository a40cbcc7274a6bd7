import { z } from 'zod';
import { envBoolean, envInt, runtimeEnvSchema } from '@lookalike/config';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

export const gatewayEnvSchema = runtimeEnvSchema
  .extend({
    API_PORT: envInt(8080, 0, 65535),
    API_HOST: z.string().default('0.0.0.0'),
    AUTH_DEV_LOGIN: envBoolean(false),
    /** The user id the console's sign-in form suggests (GET /api/config); the embedded host sets `demo`. */
    AUTH_DEV_LOGIN_SUGGESTED_USER: optional.refine(
      (v) => v === undefined || /^[A-Za-z0-9._@-]{1,128}$/.test(v),
      'must be a user id (1-128 of A-Z a-z 0-9 . _ @ -)',
    ),
    /**
     * Users (token subjects, comma-separated) who may apply and undo a tenant's learned thresholds
     * (docs/OPERATIONS.md "Admins"); empty: nobody. The embedded host makes the seeded user one.
     */
    AUTH_ADMIN_USERS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((u) => u.trim())
          .filter((u) => u !== ''),
      )
      .refine(
        (users) => users.every((u) => /^[A-Za-z0-9._@-]{1,128}$/.test(u)),
        'must be user ids separated by commas (1-128 of A-Z a-z 0-9 . _ @ - each)',
      ),
    JWT_JWKS_URL: optional.refine((v) => v === undefined || URL.canParse(v), 'must be a URL'),
    JWT_PUBLIC_KEY: optional,
    JWT_ALGORITHMS: z.string().default('RS256,ES256'),
    JWT_ISSUER: optional,
    JWT_AUDIENCE: optional,
    JWT_TENANT_CLAIM: optional,
    DEV_TOKEN_TTL_SECONDS: envInt(8 * 3600, 60, 30 * 24 * 3600),
    /** Verified tokens kept (until their exp, at most 5 minutes) so a client's repeat requests skip the signature check; 0 checks every time. */
    AUTH_TOKEN_CACHE_SIZE: envInt(10_000, 0, 1_000_000),
    CORS_ORIGINS: z.string().default(''),
    BODY_LIMIT_BYTES: envInt(1024 * 1024, 1024, 64 * 1024 * 1024),
    MAX_IMAGE_BYTES: envInt(25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    RATE_LIMIT_PER_MINUTE: envInt(600, 1),
    CONSOLE_DIR: z.string().default('web/dist'),
    PUBLIC_BASE_URL: optional,
    /** The local object store's signed URLs are served here (GET|PUT /api/objects/*key). */
    OBJECT_STORE: z.enum(['local', 's3']).default('local'),
    /** Shared with ingest; absent: `<LOOKALIKE_DATA_DIR>/secrets/object-url.key` (see docs/ingest.md). */
    OBJECT_SIGNING_KEY: optional,
  })
  .superRefine((env, ctx) => {
    if (!env.AUTH_DEV_LOGIN && !env.JWT_JWKS_URL && !env.JWT_PUBLIC_KEY) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['JWT_JWKS_URL'],
        message: 'set JWT_JWKS_URL or JWT_PUBLIC_KEY (or AUTH_DEV_LOGIN=true for a development stack)',
      });
    }
    if ((env.JWT_JWKS_URL || env.JWT_PUBLIC_KEY) && (!env.JWT_ISSUER || !env.JWT_AUDIENCE)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['JWT_ISSUER'],
        message: 'JWT_ISSUER and JWT_AUDIENCE are required when tokens are verified against a key',
      });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;
