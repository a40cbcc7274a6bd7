import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type React from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';

import { AppProvider } from '@/app/provider';
import { createTestRouter } from '@/app/router';
import { clearSession, setSession } from '@/lib/auth-store';

export function renderApp(path: string, { signedIn = true }: { signedIn?: boolean } = {}) {
  if (signedIn)
    setSession({ accessToken: 'test-token', userId: 'reviewer', expiresAt: Date.now() + 3_600_000 });
  else clearSession();
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
  const router = createTestRouter(path);
  const user = userEvent.setup({ delay: null });
  const utils = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { ...utils, user, router, queryClient };
}

/** Renders one view inside the app's providers and a router, without the shell around it. */
export function renderView(element: React.ReactElement, path = '/') {
  setSession({ accessToken: 'test-token', userId: 'reviewer', expiresAt: Date.now() + 3_600_000 });
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
  const router = createMemoryRouter([{ path: '*', element }], { initialEntries: [path] });
  const user = userEvent.setup({ delay: null });
  const utils = render(
    <AppProvider queryClient={queryClient}>
      <RouterProvider router={router} />
    </AppProvider>,
  );
  return { ...utils, user, router, queryClient };
}

/** Records the JSON bodies a handler received, for asserting what the console sent. */
export function recorder<T = unknown>() {
  const calls: T[] = [];
  return { calls, record: (body: T) => calls.push(body) };
}
