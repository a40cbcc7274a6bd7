import { ErrorCode, isErrorCode, LookalikeError } from '@lookalike/contracts';

/** Reply headers that carry a typed error across the transport instead of a payload. */
export const ERROR_CODE_HEADER = 'lk-error-code';
const ERROR_MESSAGE_HEADER = 'lk-error-message';
const ERROR_DETAILS_HEADER = 'lk-error-details';
const RETRY_AFTER_HEADER = 'lk-retry-after';

export function errorToHeaders(error: unknown): Record<string, string> {
  const typed = error instanceof LookalikeError ? error : undefined;
  const headers: Record<string, string> = {
    [ERROR_CODE_HEADER]: typed?.code ?? ErrorCode.Internal,
    // Unexpected errors keep their text in the service's log, not in the reply.
    [ERROR_MESSAGE_HEADER]: encodeURIComponent(typed?.message ?? 'internal error'),
  };
  if (typed && Object.keys(typed.details).length > 0) {
    headers[ERROR_DETAILS_HEADER] = encodeURIComponent(JSON.stringify(typed.details));
  }
  if (typed?.retryAfterSeconds !== undefined) {
    headers[RETRY_AFTER_HEADER] = String(typed.retryAfterSeconds);
  }
  return headers;
}

export function errorFromHeaders(headers: Record<string, string>): LookalikeError | undefined {
  const code = headers[ERROR_CODE_HEADER];
  if (code === undefined) {
    return undefined;
  }
  const message = safeDecode(headers[ERROR_MESSAGE_HEADER]) ?? 'remote error';
  let details: Record<string, unknown> | undefined;
  const rawDetails = safeDecode(headers[ERROR_DETAILS_HEADER]);
  if (rawDetails) {
    try {
      details = JSON.parse(rawDetails) as Record<string, unknown>;
    } catch {
      details = undefined;
    }
  }
  const retry = headers[RETRY_AFTER_HEADER];
  return new LookalikeError(isErrorCode(code) ? code : ErrorCode.Internal, message, {
    details,
    retryAfterSeconds: retry !== undefined ? Number(retry) : undefined,
  });
}

function safeDecode(value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
