import { HttpException, HttpStatus } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ErrorCode, LookalikeError } from '@lookalike/contracts';

/** The one place where error codes become HTTP statuses. */
export const statusByCode: Record<ErrorCode, number> = {
  [ErrorCode.InvalidArgument]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.PermissionDenied]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.AlreadyExists]: HttpStatus.CONFLICT,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorCode.Unprocessable]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.ModelUnavailable]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.Busy]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.Timeout]: HttpStatus.GATEWAY_TIMEOUT,
  [ErrorCode.NotImplemented]: HttpStatus.NOT_IMPLEMENTED,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

const titleByCode: Record<ErrorCode, string> = {
  [ErrorCode.InvalidArgument]: 'Invalid request',
  [ErrorCode.Unauthenticated]: 'Authentication required',
  [ErrorCode.PermissionDenied]: 'Forbidden',
  [ErrorCode.NotFound]: 'Not found',
  [ErrorCode.AlreadyExists]: 'Already exists',
  [ErrorCode.Conflict]: 'Conflict',
  [ErrorCode.PayloadTooLarge]: 'Payload too large',
  [ErrorCode.UnsupportedMediaType]: 'Unsupported media type',
  [ErrorCode.Unprocessable]: 'Unprocessable content',
  [ErrorCode.ModelUnavailable]: 'Model unavailable',
  [ErrorCode.RateLimited]: 'Too many requests',
  [ErrorCode.Busy]: 'Service busy',
  [ErrorCode.Unavailable]: 'Service unavailable',
  [ErrorCode.Timeout]: 'Upstream timeout',
  [ErrorCode.NotImplemented]: 'Not implemented',
  [ErrorCode.Internal]: 'Internal error',
};

export const PROBLEM_TYPE_BASE = 'https://lookalike.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  request_id?: string;
  code: ErrorCode;
  errors?: unknown;
  [extension: string]: unknown;
}

export interface MappedProblem {
  problem: Problem;
  retryAfterSeconds?: number;
}

const codeByStatus: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.InvalidArgument,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.PermissionDenied,
  404: ErrorCode.NotFound,
  405: ErrorCode.InvalidArgument,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  422: ErrorCode.Unprocessable,
  429: ErrorCode.RateLimited,
  501: ErrorCode.NotImplemented,
  503: ErrorCode.Unavailable,
  504: ErrorCode.Timeout,
};

/** Body-parser and multer errors are plain errors carrying an HTTP status. */
interface StatusCarrier {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  message?: string;
}

export function toProblem(error: unknown, requestId?: string): MappedProblem {
  const typed = asLookalikeError(error);
  const status = statusByCode[typed.code];
  const problem: Problem = {
    type: `${PROBLEM_TYPE_BASE}${typed.code}`,
    title: titleByCode[typed.code],
    status,
    detail: typed.message,
    code: typed.code,
    request_id: requestId,
  };
  if (Object.keys(typed.details).length > 0) {
    problem.errors = typed.details;
  }
  return { problem, retryAfterSeconds: typed.retryAfterSeconds };
}

function asLookalikeError(error: unknown): LookalikeError {
  if (error instanceof LookalikeError) {
    return error;
  }
  if (error instanceof ThrottlerException) {
    return new LookalikeError(ErrorCode.RateLimited, 'rate limit exceeded', { retryAfterSeconds: 60 });
  }
  if (error instanceof HttpException) {
    const code =
      codeByStatus[error.getStatus()] ??
      (error.getStatus() >= 500 ? ErrorCode.Internal : ErrorCode.InvalidArgument);
    const body = error.getResponse();
    if (typeof body === 'object' && body !== null && 'details' in body && 'status' in body) {
      // @nestjs/terminus readiness failures: keep the per-dependency report.
      return new LookalikeError(code, 'a dependency is not ready', {
        details: body.details as Record<string, unknown>,
      });
    }
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? [body.message].flat().join('; ')
        : error.message;
    return new LookalikeError(code, message);
  }
  const carrier = (typeof error === 'object' && error !== null ? error : {}) as StatusCarrier;
  if (carrier.type === 'entity.too.large' || carrier.code === 'LIMIT_FILE_SIZE') {
    return new LookalikeError(ErrorCode.PayloadTooLarge, 'request body exceeds the size limit');
  }
  if (carrier.type === 'entity.parse.failed') {
    return new LookalikeError(ErrorCode.InvalidArgument, 'request body is not valid JSON');
  }
  const status = carrier.status ?? carrier.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new LookalikeError(
      codeByStatus[status] ?? ErrorCode.InvalidArgument,
      carrier.message ?? 'invalid request',
    );
  }
  return new LookalikeError(ErrorCode.Internal, 'internal error');
}
