/**
 * Error codes that cross service boundaries. The gateway maps each to one HTTP status
 * (services/gateway/src/errors/problem.mapper.ts); clients see the code as the problem `type`.
 */
export const ErrorCode = {
  InvalidArgument: 'invalid_argument',
  NotFound: 'not_found',
  AlreadyExists: 'already_exists',
  Conflict: 'conflict',
  Unauthenticated: 'unauthenticated',
  PermissionDenied: 'permission_denied',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  Unprocessable: 'unprocessable',
  ModelUnavailable: 'model_unavailable',
  Busy: 'busy',
  RateLimited: 'rate_limited',
  Unavailable: 'unavailable',
  Timeout: 'timeout',
  NotImplemented: 'not_implemented',
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const knownCodes = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: string): value is ErrorCode {
  return knownCodes.has(value);
}

export interface LookalikeErrorOptions {
  /** Machine-readable details safe to show to the caller (field names, limits). */
  details?: Record<string, unknown>;
  /** Seconds after which a retry may succeed (busy, rate limited, unavailable). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** The one error type services throw for expected failures; it survives the transport. */
export class LookalikeError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: LookalikeErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'LookalikeError';
    this.code = code;
    this.details = options.details ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  static invalid(message: string, details?: Record<string, unknown>): LookalikeError {
    return new LookalikeError(ErrorCode.InvalidArgument, message, { details });
  }

  static notFound(what: string, id: string): LookalikeError {
    return new LookalikeError(ErrorCode.NotFound, `${what} ${id} was not found`, { details: { id } });
  }

  static notImplemented(feature: string): LookalikeError {
    return new LookalikeError(ErrorCode.NotImplemented, `${feature} is not available in this build yet`);
  }
}

export function isLookalikeError(error: unknown): error is LookalikeError {
  return error instanceof LookalikeError;
}

/**
 * Codes that blame the request itself (malformed, missing, forbidden, too large, undecodable):
 * sending the same request again fails the same way, so work that meets one is not retried.
 */
const requestErrorCodes = new Set<string>([
  ErrorCode.InvalidArgument,
  ErrorCode.NotFound,
  ErrorCode.PermissionDenied,
  ErrorCode.PayloadTooLarge,
  ErrorCode.UnsupportedMediaType,
  ErrorCode.Unprocessable,
]);

export function isRequestError(error: unknown): error is LookalikeError {
  return error instanceof LookalikeError && requestErrorCodes.has(error.code);
}
