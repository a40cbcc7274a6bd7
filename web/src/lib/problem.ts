/**
 * The gateway answers every failure with application/problem+json (RFC 9457). Bodies from elsewhere
 * (a proxy's HTML 502, a dropped connection) are turned into the same shape so every view can show
 * one kind of error.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  requestId?: string;
  /** Field errors, when the gateway lists them (validation failures). */
  errors?: string[];
}

export class ApiError extends Error {
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function asErrors(value: unknown): string[] | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    // The gateway's validation failures: { fields: { "filter.max_nsfw": ["must not be greater than 1"] } }.
    const record = value as Record<string, unknown>;
    const fields = (record.fields && typeof record.fields === 'object' ? record.fields : record) as Record<
      string,
      unknown
    >;
    const lines = Object.entries(fields).flatMap(([field, messages]) =>
      (Array.isArray(messages) ? messages : [messages])
        .filter((m): m is string => typeof m === 'string')
        .map((m) => `${field}: ${m}`),
    );
    return lines.length ? lines : undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const items = value
    .map((item: unknown) => {
      if (typeof item === 'string') return item;
      if (item && typeof item === 'object') {
        const record = item as Record<string, unknown>;
        const field = asString(record.field) ?? asString(record.property) ?? asString(record.path);
        const message = asString(record.message) ?? asString(record.detail) ?? JSON.stringify(item);
        return field ? `${field}: ${message}` : message;
      }
      return String(item);
    })
    .filter((s) => s !== '');
  return items.length ? items : undefined;
}

export function problemFromBody(
  body: unknown,
  response: Pick<Response, 'status' | 'statusText' | 'headers'>,
): ProblemDetails {
  const requestIdHeader = response.headers.get('x-request-id') ?? undefined;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const title =
      asString(b.title) ?? asString(b.error) ?? (response.statusText || `HTTP ${response.status}`);
    const message = Array.isArray(b.message) ? undefined : asString(b.message);
    return {
      type: asString(b.type) ?? 'about:blank',
      title,
      status: typeof b.status === 'number' ? b.status : response.status,
      detail: asString(b.detail) ?? message,
      requestId: asString(b.request_id) ?? asString(b.requestId) ?? requestIdHeader,
      errors: asErrors(b.errors) ?? asErrors(b.message),
    };
  }
  const text = typeof body === 'string' ? body.trim() : '';
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    // An HTML error page says nothing useful to a reviewer; plain text usually does.
    detail: text && !text.startsWith('<') ? text.slice(0, 500) : undefined,
    requestId: requestIdHeader,
  };
}

export function networkProblem(cause: unknown): ProblemDetails {
  const message = cause instanceof Error ? cause.message : String(cause);
  return {
    type: 'about:blank#network',
    title: 'The server could not be reached',
    status: 0,
    detail: `${message}. Check that the gateway is running and your network is up.`,
  };
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError({
    type: 'about:blank#client',
    title: 'Something went wrong',
    status: 0,
    detail: error instanceof Error ? error.message : String(error),
  });
}

/**
 * Toast options for a failure: the server's title and detail, and the request id to quote in a report.
 * The toast's own message says what the reviewer was doing.
 */
export function describeProblem(error: unknown): { description: string } {
  const { problem } = toApiError(error);
  const head = problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
  return { description: problem.requestId ? `${head} (request ${problem.requestId})` : head };
}
