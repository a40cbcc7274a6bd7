import { screen, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';

import { getSession } from '@/lib/auth-store';

import { imageRecord } from '../../../test/fixtures';
import { problemResponse, url } from '../../../test/handlers';
import { server } from '../../../test/msw-server';
import { renderApp } from '../../../test/render';

// A JWT-shaped token whose payload is {"sub":"ops-user","exp":4102444800} (year 2100).
const pastedToken = `eyJhbGciOiJFUzI1NiJ9.${btoa(JSON.stringify({ sub: 'ops-user', exp: 4102444800 }))}.c2ln`;

describe('login view', () => {
  it('sends a signed-out reviewer to /login and back to the page they asked for after dev login', async () => {
    let sent: unknown;
    server.use(
      http.post(url('/api/auth/dev-login'), async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json({ access_token: 'a.b.c', token_type: 'Bearer', expires_in: 3600 });
      }),
      http.get(url('/api/dedup/groups'), () => HttpResponse.json({ groups: [], next_cursor: '' })),
    );
    const { user, router } = renderApp('/dedupe', { signedIn: false });
    expect(await screen.findByText('Sign in to Lookalike')).toBeInTheDocument();
    expect(router.state.location.search).toBe('?next=%2Fdedupe');

    const field = screen.getByLabelText('User id');
    await waitFor(() => expect(field).toHaveValue('reviewer'));
    await user.clear(field);
    await user.type(field, 'alice');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Duplicates' })).toBeInTheDocument();
    expect(sent).toEqual({ user_id: 'alice' });
    expect(getSession()?.accessToken).toBe('a.b.c');
    expect(screen.getByTestId('signed-in-user')).toHaveTextContent('alice');
  });

  it('suggests the user the server names (the sample library) and lands on the library after sign-in', async () => {
    let sent: unknown;
    server.use(
      http.get(url('/api/config'), () =>
        HttpResponse.json({ run_mode: 'embedded', dev_login: true, suggested_user_id: 'demo' }),
      ),
      http.post(url('/api/auth/dev-login'), async ({ request }) => {
        sent = await request.json();
        return HttpResponse.json({ access_token: 'a.b.c', token_type: 'Bearer', expires_in: 3600 });
      }),
      http.get(url('/api/images'), () =>
        HttpResponse.json({ images: [imageRecord('01JSAMPLE00000000000000001')] }),
      ),
    );
    const { user, router } = renderApp('/login', { signedIn: false });
    await waitFor(() => expect(screen.getByLabelText('User id')).toHaveValue('demo'));
    expect(screen.getByTestId('suggested-user')).toHaveTextContent(
      'This server suggests demo, whose library holds the sample images.',
    );

    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Library' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/images');
    expect(sent).toEqual({ user_id: 'demo' });
    expect(await screen.findByTestId('library-count')).toHaveTextContent('1 image');
  });

  it('keeps what the user typed, and suggests reviewer when the server names nobody', async () => {
    const { user } = renderApp('/login', { signedIn: false });
    const field = screen.getByLabelText('User id');
    await waitFor(() => expect(field).toHaveValue('reviewer'));
    expect(screen.queryByTestId('suggested-user')).not.toBeInTheDocument();
    await user.clear(field);
    await user.type(field, 'carol');
    expect(field).toHaveValue('carol');
  });

  it('suggests reviewer when the configuration cannot be read', async () => {
    server.use(http.get(url('/api/config'), () => problemResponse(500, 'Internal error', 'boom')));
    renderApp('/login', { signedIn: false });
    await waitFor(() => expect(screen.getByLabelText('User id')).toHaveValue('reviewer'), { timeout: 4000 });
  });

  it('opens the token box at once when the server says dev login is off', async () => {
    server.use(
      http.get(url('/api/config'), () => HttpResponse.json({ run_mode: 'distributed', dev_login: false })),
    );
    renderApp('/login', { signedIn: false });
    expect(await screen.findByText(/Dev login is turned off on this server/)).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: /Dev login/ })).toBeDisabled();
  });

  it("shows the server's problem detail when dev login is refused", async () => {
    server.use(
      http.post(url('/api/auth/dev-login'), () =>
        problemResponse(400, 'Invalid request', 'user_id must match ^[a-z0-9_-]{1,64}$'),
      ),
    );
    const { user } = renderApp('/login', { signedIn: false });
    const field = await screen.findByLabelText('User id');
    await user.clear(field);
    await user.type(field, 'Bad User!');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const alert = await screen.findByTestId('problem-alert');
    expect(alert).toHaveTextContent('Invalid request');
    expect(alert).toHaveTextContent('user_id must match');
    expect(alert).toHaveTextContent('req-123');
    expect(getSession()).toBeNull();
  });

  it('switches to the token box when dev login is turned off, and signs in with a pasted token', async () => {
    server.use(
      http.post(url('/api/auth/dev-login'), () => problemResponse(404, 'Not found', 'Dev login is disabled')),
    );
    const { user } = renderApp('/login', { signedIn: false });
    await waitFor(() => expect(screen.getByLabelText('User id')).toHaveValue('reviewer'));
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByText(/Dev login is turned off on this server/)).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: /Dev login/ })).toBeDisabled();

    await user.type(screen.getByLabelText('Access token'), 'not-a-token');
    await user.click(screen.getByRole('button', { name: 'Use this token' }));
    expect(await screen.findByText(/does not look like a JWT/)).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Access token'));
    await user.click(screen.getByLabelText('Access token'));
    await user.paste(pastedToken);
    await user.click(screen.getByRole('button', { name: 'Use this token' }));

    await waitFor(() => expect(getSession()?.accessToken).toBe(pastedToken));
    expect(await screen.findByTestId('signed-in-user')).toHaveTextContent('ops-user');
  });

  it('ends the session when the API rejects the token', async () => {
    server.use(
      http.get(url('/api/models'), () => problemResponse(401, 'Unauthorized', 'The token has expired')),
    );
    renderApp('/upload');
    expect(await screen.findByText('Sign in to Lookalike')).toBeInTheDocument();
    expect(getSession()).toBeNull();
  });
});
