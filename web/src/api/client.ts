import createClient, { type Middleware } from 'openapi-fetch';

import { clearSession, getSession } from '@/lib/auth-store';
import { ApiError, networkProblem, problemFromBody } from '@/lib/problem';

import type { paths } from './schema';

const authMiddleware: Middleware = {
  onRequest({ request }) {
    const session = getSession();
    if (session) request.headers.set('Authorization', `Bearer ${session.accessToken}`);
    return request;
  },
  onResponse({ request, response }) {
    // A rejected token ends the session; the router then sends the reviewer back to /login.
    if (response.status === 401 && request.headers.has('Authorization')) clearSession();
    return response;
  },
};

/**
 * The one HTTP client of the console. Paths and bodies are typed by src/api/schema.d.ts, generated
 * from docs/openapi.json (`npm -w web run gen:api`).
 */
export const api = createClient<paths>({
  baseUrl: typeof window === 'undefined' ? '' : window.location.origin,
  // Looked up on every call (not captured once) so test doubles installed later still see requests.
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(authMiddleware);

interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** Resolves to the response body, or rejects with an ApiError that carries the server's problem detail. */
export async function unwrap<D>(call: Promise<FetchResult<D>>): Promise<D> {
  let result: FetchResult<D>;
  try {
    result = await call;
  } catch (cause) {
    throw new ApiError(networkProblem(cause));
  }
  const { data, error, response } = result;
  if (!response.ok || error !== undefined) throw new ApiError(problemFromBody(error, response));
  return data as D;
}
