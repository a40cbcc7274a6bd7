import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Subjects } from '@lookalike/contracts';
import { devLogin, startTestStack, StackMode, TestStack } from './support/test-stack';

const modes: StackMode[] = ['embedded', 'distributed'];
/** A small limit, so that the rate-limit test's burst takes well under a second. */
const rateLimit = 120;
/** The gateway counts hits in fixed one-minute windows, the previous one weighted (sliding window). */
const rateWindowMs = 60_000;

/**
 * Waits, where needed, until a burst that starts now ends inside the current window. A burst
 * across a window boundary is counted with the estimate of the sliding-window counter (the
 * previous window's hits taken as spread evenly over it), which can let a few more through; that
 * is the method's documented trade, and the test asserts the exact limit, so it keeps the burst
 * inside one window.
 */
async function awaitRoomInWindow(roomMs: number): Promise<void> {
  const left = rateWindowMs - (Date.now() % rateWindowMs);
  if (left < roomMs) await new Promise((r) => setTimeout(r, left + 50));
}

describe.each(modes)('foundation through the gateway (%s)', (mode) => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    // The feedback module is left out: the test stands in for it to show a downstream timeout.
    stack = await startTestStack(mode, {
      omit: ['feedback'],
      env: {
        RPC_TIMEOUT_MS: '1500',
        CONSOLE_DIR: resolve(__dirname, '../../../web/dist'),
        RATE_LIMIT_PER_MINUTE: String(rateLimit),
      },
    });
    token = await devLogin(stack.url, 'alice');
  });

  afterAll(async () => {
    await stack?.close();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  it('answers the probes, metrics and the OpenAPI document without a token', async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toContain('lookalike_http_request_duration_seconds');
    // The service modules' series are there too: in the embedded mode they run on the main thread
    // and the gateway thread serves both threads' metrics, each thread's event loop apart.
    if (mode === 'embedded') {
      await fetch(`${stack.url}/readyz`); // asks the embedding module, on the main thread
      const withServices = await (await fetch(`${stack.url}/metrics`)).text();
      expect(withServices).toMatch(/lookalike_rpc_server_duration_seconds_count\{[^}]*service="embedding"/);
      expect(withServices).toMatch(/lookalike_nodejs_eventloop_lag_p99_seconds\{thread="gateway"\}/);
      expect(withServices).toMatch(/lookalike_nodejs_eventloop_lag_p99_seconds\{thread="main"\}/);
    }
    const docs = await fetch(`${stack.url}/docs`);
    expect(docs.status).toBe(200);
    const openapi = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/search/similar', '/api/images', '/api/jobs/{id}']),
    );
  });

  it('serves the console: the page always revalidated, hashed assets cached for good, a missing one 404', async () => {
    // `make test` builds the console (web/dist) before the e2e suites.
    const page = await fetch(`${stack.url}/search`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${stack.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toContain('immutable');
    const gone = await fetch(`${stack.url}/assets/page-from-an-old-deploy-0000.js`, {
      headers: { accept: 'text/html,*/*' },
    });
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type') ?? '').not.toContain('javascript');
  });

  it('refuses a request without a token with 401 problem+json', async () => {
    const response = await fetch(`${stack.url}/api/images`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      status: 401,
      code: 'unauthenticated',
      type: 'https://lookalike.dev/problems/unauthenticated',
    });
    expect(problem.request_id).toEqual(response.headers.get('x-request-id'));
  });

  it('refuses a forged token', async () => {
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${Buffer.from('not-a-signature').toString('base64url')}`;
    const response = await fetch(`${stack.url}/api/images`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(response.status).toBe(401);
  });

  it('answers a malformed JSON body with 400', async () => {
    const response = await api('/api/search/cluster', { method: 'POST', body: '{"limit": 3,' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_argument' });
  });

  it('answers an unknown field with 400 naming the field', async () => {
    const response = await api('/api/search/cluster', {
      method: 'POST',
      body: JSON.stringify({ limit: 3, owner_user_id: 'bob' }),
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { fields: Record<string, string[]> } };
    expect(Object.keys(problem.errors.fields)).toContain('owner_user_id');
  });

  it('answers an over-long body with 413', async () => {
    const response = await api('/api/search/similar', {
      method: 'POST',
      body: JSON.stringify({ text_query: 'x', padding: 'y'.repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('answers 504 when a downstream service does not answer in time', async () => {
    const subscription = await stack.bus.serve(Subjects.FeedbackList.name, 'feedback', async () => {
      await new Promise((r) => setTimeout(r, 4000));
      return { data: new Uint8Array(), headers: {} };
    });
    try {
      const response = await api('/api/feedback');
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ code: 'timeout' });
    } finally {
      await subscription.unsubscribe();
    }
  });

  it('answers 503 with Retry-After when no service answers a subject', async () => {
    const response = await api('/api/feedback');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('limits each user to RATE_LIMIT_PER_MINUTE requests per route with 429 problem+json and Retry-After', async () => {
    const throttled = await devLogin(stack.url, `throttled-${mode}`);
    // An invalid query is refused after the guards, so it counts without reaching a service.
    const ask = (bearer: string) =>
      fetch(`${stack.url}/api/search/similar`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: '{}',
      });
    await awaitRoomInWindow(15_000);
    for (let sent = 0; sent < rateLimit; sent += 40) {
      const answers = await Promise.all(Array.from({ length: 40 }, () => ask(throttled)));
      expect(answers.map((r) => r.status)).toEqual(Array(40).fill(400));
    }
    const refused = await ask(throttled);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { code: string }).code).toBe('rate_limited');
    // Another user, and the same user on another route, are not held back.
    expect((await ask(token)).status).toBe(400);
    const other = await fetch(`${stack.url}/api/images?limit=1`, {
      headers: { authorization: `Bearer ${throttled}` },
    });
    expect(other.status).toBe(200);
  });

  it('carries the request id from the client through the transport to a service and back', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const response = await api('/api/models', { headers: { 'x-request-id': requestId } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    if (mode === 'distributed') {
      await new Promise((r) => setTimeout(r, 300));
      expect(stack.logs('gateway')).toContain(requestId);
      expect(stack.logs('embedding')).toContain(requestId);
    }
  });
});
